"""One taxonomy (store/taxonomy.toml): the classifier, the digest, Datasette's labels and the
demo content name no label id that is not in it, and the file itself is well formed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from store.taxonomy import TAXONOMY, TaxonomyError, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("practice_types", "policy_areas", "org_types", "source_kinds", "amount_kinds")


def test_the_taxonomy_has_every_section_with_names_and_descriptions():
    for section in SECTIONS:
        labels = TAXONOMY.section(section)
        assert labels and all(label.name and label.description for label in labels)


def test_the_classifier_labels_are_the_taxonomy():
    from nlp.classify import TASK_LABELS

    assert tuple(TASK_LABELS["practice_type"]) == TAXONOMY.ids("practice_types")
    assert tuple(TASK_LABELS["policy_area"]) == TAXONOMY.ids("policy_areas")


def test_the_digest_names_come_from_the_taxonomy():
    from digest.build import PRACTICE_NAMES

    assert PRACTICE_NAMES == TAXONOMY.names("practice_types")


def test_the_demo_content_uses_taxonomy_ids_only():
    from demo_sites.content import load_articles, load_organisations

    articles = load_articles()
    used = {p for a in articles for p in a.practice_types}
    assert used <= set(TAXONOMY.ids("practice_types"))
    assert {p for a in articles for p in a.policy_areas} <= set(TAXONOMY.ids("policy_areas"))
    assert {o.type for o in load_organisations().values()} <= set(TAXONOMY.ids("org_types"))


def test_datasette_labels_are_the_taxonomy_names():
    from publish.serve import CONFIG_DIR, TAXONOMY_LABELS, load_metadata

    raw = yaml.safe_load((ROOT / "datasette_config" / "metadata.yaml").read_text("utf-8"))
    written = raw.get("plugins", {}).get("observatory", {}).get("labels", {})
    assert not set(written) & set(TAXONOMY_LABELS), "taxonomy names belong in the taxonomy"
    served = load_metadata(CONFIG_DIR)["plugins"]["observatory"]["labels"]
    for section in TAXONOMY_LABELS:
        assert served[section] == TAXONOMY.names(section)


def test_digest_names_organisation_types_by_the_taxonomy():
    from digest.build import ORG_TYPE_NAMES

    assert ORG_TYPE_NAMES == TAXONOMY.names("org_types")


@pytest.mark.parametrize(("text", "message"), [
    ('[[practice_types]]\nid = "a"\nname = "A"\n', "servono esattamente le chiavi"),
    ('[[x]]\nid = "a"\nname = "A"\ndescription = "d"\n'
     '[[x]]\nid = "a"\nname = "B"\ndescription = "d"\n', "ripetuto"),
    ("x = [", "impossibile leggere la tassonomia"),
])
def test_a_broken_taxonomy_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "taxonomy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)
