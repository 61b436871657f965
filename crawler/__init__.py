"""Scrapy crawler: HTML in, article rows out (into the store).

Public entry points (what the CLI and the scheduler call):

- `crawler.run.crawl(sources_path, db_path, source_ids=None, *, settings=None, timeout_s=None,
  progress=None, log_path=None) -> CrawlReport`: one crawl in its own process, a per-source
  report back (status ok | partial | failed, counts, errors by kind, message).
- `crawler.sources.load_sources(path) -> list[Source]` (raises SourceError) and
  `crawler.sources.check_sources(path) -> list[Problem]`: the source registry (a file, a
  folder of .toml files, or several joined with `join_locations`).
- `crawler.onboard.discover(entries, policy, workers) -> list[SiteReport]` and
  `crawler.onboard.registry_toml(reports) -> str`: sources proposed from sites' homepages;
  `crawler.ipa.read_ipa(path, categories) -> IpaResult`: homepages of public bodies.
- `crawler.reextract.reextract(db_path, source_id=None) -> dict`: extraction again from the
  stored raw pages, without network.
- `crawler.extract.extract_page(html, url, *, fetched_at, hint) -> PageFields`: the pure
  extraction step.
"""
