"""The committed HTML under demo_sites/www is exactly what build.py generates from the content."""

from pathlib import Path

from demo_sites.build import WWW_DIR, render_all


def test_committed_sites_match_the_generator() -> None:
    rendered = render_all()
    assert set(rendered) == {"portal", "localnews", "comune"}
    for site, pages in rendered.items():
        on_disk = {
            path.relative_to(WWW_DIR / site).as_posix()
            for path in (WWW_DIR / site).rglob("*") if path.is_file()
        }
        assert on_disk == set(pages), f"{site}: run `python -m demo_sites.build` and commit"
        stale = [rel for rel, text in pages.items()
                 if (WWW_DIR / site / rel).read_text(encoding="utf-8") != text]
        assert not stale, f"{site}: stale files {stale[:5]}; run `python -m demo_sites.build`"


def test_generated_pages_use_the_base_placeholder_not_a_fixed_host() -> None:
    feed = (WWW_DIR / "portal" / "feed" / "index.xml").read_text(encoding="utf-8")
    assert "__BASE_URL__/" in feed
    texts = [p.read_text(encoding="utf-8") for p in WWW_DIR.rglob("*") if p.is_file()]
    assert not any("127.0.0." in text or "localhost" in text for text in texts)


def test_build_writes_into_a_chosen_directory(tmp_path: Path) -> None:
    from demo_sites.build import write_sites

    count = write_sites(render_all(), tmp_path)
    assert count == sum(len(pages) for pages in render_all().values())
    assert (tmp_path / "localnews" / "robots.txt").is_file()
    assert (tmp_path / "comune" / "it" / "notizie" / "page-3.html").is_file()
