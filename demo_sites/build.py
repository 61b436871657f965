"""Generate the three static demo sites from ``content/`` into ``www/<site>/``.

Run ``python -m demo_sites.build`` after editing the content or the templates and commit the
output. Absolute URLs are written with the ``__BASE_URL__`` placeholder that ``server.py``
substitutes at serve time, so the output does not depend on the host or port.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from demo_sites.content import (
    CONTENT_DIR,
    ROME,
    SITES,
    Article,
    article_path,
    load_articles,
    load_json,
    page_count,
    slugify,
)

HERE = Path(__file__).resolve().parent
WWW_DIR = HERE / "www"
MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
          "settembre", "ottobre", "novembre", "dicembre")
WEEKDAYS = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")
SUMMARY_WORDS = 32

Pages = dict[str, str]  # relative file path -> file content


def italian_date(day: date, weekday: bool = False, year: bool = True) -> str:
    """'12 novembre 2026', optionally with the weekday and without the year."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    if year:
        text += f" {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def localnews_byline(article: Article, variant: int) -> str:
    """The only date on a local-news article page: an Italian byline, five styles."""
    day, clock = article.published, article.time
    styles = (
        f"Pubblicato il {italian_date(day)} alle {clock}",
        f"{italian_date(day, weekday=True)}, ore {clock.replace(':', '.')}",
        f"{italian_date(day, weekday=True, year=False)} - {clock}",
        f"{day.day:02d} {MONTHS[day.month - 1][:3].capitalize()} {day.year} {clock}",
        f"Pubblicato il {italian_date(day)}",
    )
    text = styles[variant % len(styles)]
    if article.updated:
        text += f" · Aggiornato il {italian_date(article.updated)}"
    return text


def summary(article: Article) -> str:
    words = article.paragraphs[0].split()
    return " ".join(words[:SUMMARY_WORDS]) + (" […]" if len(words) > SUMMARY_WORDS else "")


def item(article: Article) -> dict:
    """What listings, feeds and sitemaps need to know about an article."""
    at = article.published_at
    return {
        "path": article_path(article), "title": article.title, "summary": summary(article),
        "iso": at.isoformat(), "label": italian_date(article.published),
        "pub_date": format_datetime(at), "author": article.author or "Redazione",
        "tags": article.tags, "section": article.category or "Notizie",
        "lastmod": (article.updated or article.published).isoformat(),
    }


def make_env(templates: Path = HERE / "templates") -> Environment:
    return Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def related(article: Article, articles: list[Article], count: int = 3) -> list[dict]:
    """Other articles of the same site, newest first, preferring shared tags."""
    others = [a for a in articles if a.slug != article.slug]
    others.sort(key=lambda a: (-len(set(a.tags) & set(article.tags)), -a.published_at.timestamp()))
    return [item(a) for a in others[:count]]


def file_for(path: str) -> str:
    """Relative output file for a URL path ('/a/b/' -> 'a/b/index.html', '/a/b' -> 'a/b.html')."""
    rel = path.strip("/")
    if path.endswith("/"):
        return f"{rel}/index.html" if rel else "index.html"
    return rel + ".html"


def paginate(
    env: Environment, template: str, articles: list[Article], per_page: int,
    page_path: Callable[[int], str], context: dict,
    file_of: Callable[[int], str] | None = None,
) -> Pages:
    """Listing pages; ``page_path`` builds the links, ``file_of`` the file names if they differ."""
    pages: Pages = {}
    total = page_count(len(articles), per_page)
    for page in range(1, total + 1):
        chunk = articles[(page - 1) * per_page: page * per_page]
        html = env.get_template(template).render(
            items=[item(a) for a in chunk], page=page, pages=total, page_path=page_path, **context)
        pages[file_of(page) if file_of else file_for(page_path(page))] = html
    return pages


def build_portal(env: Environment, site: dict, articles: list[Article]) -> Pages:
    tags = sorted({t for a in articles for t in a.tags})
    categories = sorted({a.category or "Notizie" for a in articles})
    base = {
        "site": site, "recent": [item(a) for a in articles[:5]],
        "tag_cloud": [{"name": t, "slug": slugify(t)} for t in tags],
        "nav_categories": [{"name": c, "slug": slugify(c)} for c in categories],
    }
    pages = paginate(env, "portal/listing.html", articles, site["per_page"],
                     portal_home_page, {**base, "heading": "Ultimi articoli", "description": "",
                                        "body_class": "home blog"})
    for tag in tags:
        tagged = [a for a in articles if tag in a.tags]
        pages |= paginate(env, "portal/listing.html", tagged, 50,
                          lambda n, t=tag: f"/tag/{slugify(t)}/",
                          {**base, "heading": f"Tag: {tag}", "description": "",
                           "body_class": "archive tag"})
    for category in categories:
        members = [a for a in articles if (a.category or "Notizie") == category]
        pages |= paginate(env, "portal/listing.html", members, 50,
                          lambda n, c=category: f"/categoria/{slugify(c)}/",
                          {**base, "heading": f"Categoria: {category}",
                           "description": f"Tutti gli articoli della sezione {category}.",
                           "body_class": "archive category"})
    for number, article in enumerate(articles):
        pages[file_for(article_path(article))] = env.get_template("portal/article.html").render(
            **base, article=article, path=article_path(article),
            post_id=4000 + len(articles) - number,
            published_label=italian_date(article.published),
            updated_at=_updated_at(article), updated_label=_updated_label(article),
            category_slug=slugify(article.category or "Notizie"),
            tag_slugs=[slugify(t) for t in article.tags],
            author_slug=slugify(article.author or "redazione"), related=related(article, articles))
    pages["chi-siamo/index.html"] = env.get_template("portal/about.html").render(**base)
    pages["feed/index.xml"] = portal_feed(env, site, articles)
    return pages


def portal_home_page(n: int) -> str:
    return "/" if n == 1 else f"/page/{n}/"


def portal_feed(env: Environment, site: dict, articles: list[Article]) -> str:
    """RSS 2.0 with the newest articles plus one item whose page was deleted (a 404)."""
    items = [item(a) | {"post_id": 4000 + len(articles) - i}
             for i, a in enumerate(articles[: site["feed_size"]])]
    newest = articles[0]
    broken = item(newest) | {
        "path": f"/{newest.published:%Y/%m}/{site['broken_feed_slug']}/",
        "title": "Webinar sul Registro unico: nuova data in arrivo", "post_id": 3999,
        "summary": "L'appuntamento previsto è stato rinviato. Seguiranno aggiornamenti.",
    }
    items.insert(3, broken)
    return env.get_template("portal/feed.xml").render(
        site=site, items=items, last_build=format_datetime(newest.published_at))


def _updated_at(article: Article) -> str:
    if not article.updated:
        return ""
    return datetime.combine(article.updated, time(8, 0), tzinfo=ROME).isoformat()


def _updated_label(article: Article) -> str:
    return italian_date(article.updated) if article.updated else ""


def localnews_listing_path(n: int) -> str:
    return "/notizie/" if n == 1 else f"/notizie/page/{n}/"


def build_localnews(env: Environment, site: dict, articles: list[Article]) -> Pages:
    sections = sorted({a.category or "Notizie" for a in articles})
    base = {"site": site, "sections": sections, "most_read": [item(a) for a in articles[2:6]]}
    pages = paginate(env, "localnews/listing.html", articles, site["per_page"],
                     localnews_listing_path, {**base, "heading": "Ultime notizie"})
    pages["notizie/index.html"] = _with_extra_listing_links(env, site, articles, base)
    pages["index.html"] = env.get_template("localnews/listing.html").render(
        **base, items=[item(a) for a in articles[:5]], page=1, pages=1,
        page_path=localnews_listing_path, heading="Prima pagina")
    for number, article in enumerate(articles):
        pages[file_for(article_path(article))] = env.get_template("localnews/article.html").render(
            **base, article=article, path=article_path(article),
            byline=localnews_byline(article, number), related=related(article, articles, 2),
            read_also_after=min(2, len(article.paragraphs) - 1))
    reserved = site["reserved"]
    pages[f"riservato/{reserved['slug']}/index.html"] = env.get_template(
        "localnews/article.html").render(
        **base, article=_reserved_article(reserved), path=f"/riservato/{reserved['slug']}/",
        byline=localnews_byline(_reserved_article(reserved), 0), related=[], read_also_after=0)
    pages |= localnews_sitemaps(env, site, articles)
    pages["robots.txt"] = env.get_template("localnews/robots.txt").render()
    return pages


def _reserved_article(reserved: dict) -> Article:
    return Article(
        site="localnews", slug=reserved["slug"], title=reserved["title"],
        published=date(2026, 11, 18), time="07:00", tags=("Riservato",),
        paragraphs=tuple(reserved["paragraphs"]), relevant=False, practice_types=(),
        policy_areas=(), organisations=(), places=(), amounts=(), category="Riservato")


def _with_extra_listing_links(env: Environment, site: dict, articles: list[Article],
                              base: dict) -> str:
    """Listing page 1, with a link to the robots-disallowed page and a link that 404s."""
    items = [item(a) for a in articles[: site["per_page"]]]
    reserved = site["reserved"]
    items.insert(2, {"path": f"/riservato/{reserved['slug']}/", "title": reserved["title"],
                     "summary": reserved["paragraphs"][0], "section": "Riservato"})
    items.insert(5, {"path": site["broken_listing_path"],
                     "title": "L'emporio solidale cambia casa: ecco dove trovarlo",
                     "summary": "Nuova sede per l'emporio gestito dai volontari.",
                     "section": "Sociale"})
    return env.get_template("localnews/listing.html").render(
        **base, items=items, page=1, pages=page_count(len(articles), site["per_page"]),
        page_path=localnews_listing_path, heading="Ultime notizie")


def localnews_sitemaps(env: Environment, site: dict, articles: list[Article]) -> Pages:
    news = articles[: site["news_sitemap_size"]]
    lastmod = max(a.updated or a.published for a in articles).isoformat()
    return {
        "sitemap_index.xml": env.get_template("localnews/sitemap_index.xml").render(
            sitemaps=[{"name": "sitemap-news.xml", "lastmod": lastmod},
                      {"name": "sitemap-articoli.xml", "lastmod": lastmod}]),
        "sitemap-news.xml": env.get_template("localnews/sitemap-news.xml").render(
            site=site, items=[item(a) for a in news]),
        "sitemap-articoli.xml": env.get_template("localnews/sitemap-articoli.xml").render(
            items=[item(a) for a in articles]),
    }


def comune_date(day: date, variant: int) -> str:
    """'12/11/2026' or '12.11.2026', alternating between articles."""
    return day.strftime("%d/%m/%Y" if variant % 2 == 0 else "%d.%m.%Y")


def comune_listing_path(n: int) -> str:
    return f"/it/notizie?page={n}"


def build_comune(env: Environment, site: dict, articles: list[Article]) -> Pages:
    base = {"site": site}
    context = {**base, "heading": "Notizie",
               "description": "Comunicati e avvisi dell'Amministrazione comunale."}
    pages = paginate(env, "comune/listing.html", articles, site["per_page"], comune_listing_path,
                     context, file_of=lambda n: f"it/notizie/page-{n}.html")
    pages["it/notizie.html"] = pages["it/notizie/page-1.html"]
    pages["index.html"] = env.get_template("comune/listing.html").render(
        **base, items=[item(a) for a in articles[:3]], page=1, pages=1,
        page_path=comune_listing_path, heading="Benvenuti sul sito del Comune",
        description="In evidenza: le ultime notizie. Tutte le notizie sono nella sezione Novità.")
    for number, article in enumerate(articles):
        pages[file_for(article_path(article))] = env.get_template("comune/article.html").render(
            **base, article=article, related=related(article, articles, 3),
            published_label=comune_date(article.published, number),
            updated_label=comune_date(article.updated or article.published, number))
    return pages


BUILDERS = {"portal": build_portal, "localnews": build_localnews, "comune": build_comune}


def render_all(content_dir: Path = CONTENT_DIR) -> dict[str, Pages]:
    """Every generated file of every site, in memory (pure: reads content and templates only)."""
    sites = load_json("sites.json", content_dir)
    articles = load_articles(content_dir)
    env = make_env()
    by_site = {name: [a for a in articles if a.site == name] for name in SITES}
    return {name: BUILDERS[name](env, sites[name], members)
            for name, members in by_site.items() if members}


def write_sites(rendered: dict[str, Pages], www: Path = WWW_DIR) -> int:
    """Replace ``www/<site>/`` with the rendered files; returns the number of files written."""
    count = 0
    for name, pages in rendered.items():
        target = www / name
        if target.exists():
            shutil.rmtree(target)
        for rel, text in pages.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the demo sites into www/.")
    parser.add_argument("--out", type=Path, default=WWW_DIR, help="output directory")
    args = parser.parse_args(argv)
    print(f"wrote {write_sites(render_all(), args.out)} files under {args.out}")


if __name__ == "__main__":
    main()
