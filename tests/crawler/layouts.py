"""A real-layout corpus written for the project: pages in the markup shapes of the CMSs that
Italian sources run on (WordPress with Elementor and with Gutenberg, Drupal, Joomla, the
Designers Italia municipal template, Halley/Maggioli-style municipal pages, news sites with
related-story rails and comment widgets), plus articles in English, Spanish, Chinese and
Japanese, and listing/section pages that are not articles.

Every page comes with its expected main text (articles) or None (pages that must be refused).
`corpus(seed, per_layout)` builds seeded variations (different texts, lengths, numbers of
teaser cards, comments, menus, invalid bytes); `core()` is the fixed set the tests use. All
texts are written for the project (fictional); the markup follows the public shapes of each
CMS (class names, nesting), not any particular site.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

IT_SENTENCES = [
    "Il Comune ha approvato in giunta l'avviso pubblico di co-progettazione per i servizi di "
    "prossimità rivolti agli anziani soli.",
    "Gli enti del Terzo settore interessati potranno presentare la propria manifestazione di "
    "interesse entro trenta giorni dalla pubblicazione.",
    "Il tavolo di co-progettazione si riunirà ogni due settimane nella sala consiliare, con la "
    "partecipazione dei servizi sociali e delle cooperative.",
    "Le risorse messe a disposizione ammontano a trecentomila euro per il primo biennio, "
    "finanziati con il fondo nazionale per le politiche sociali.",
    "L'assessora alle politiche sociali ha ricordato che la procedura segue l'articolo 55 del "
    "Codice del Terzo settore.",
    "Il patto di collaborazione riguarda la cura del giardino di via Garibaldi e l'apertura "
    "serale della biblioteca di quartiere.",
    "I volontari dell'associazione si occuperanno della manutenzione ordinaria, mentre il "
    "Comune fornirà gli attrezzi e l'assicurazione.",
    "La cooperativa sociale gestirà il centro diurno per persone con disabilità insieme alle "
    "famiglie, che entreranno nel comitato di indirizzo.",
    "Secondo il presidente del consorzio, la coprogrammazione ha permesso di leggere meglio i "
    "bisogni delle frazioni più isolate.",
    "Nel corso dell'incontro pubblico sono state raccolte oltre cento proposte dei cittadini, "
    "che saranno discusse nei gruppi di lavoro.",
    "L'Ambito territoriale ha firmato una convenzione triennale con sei organizzazioni di "
    "volontariato per il trasporto sociale.",
    "Il servizio di accoglienza per i minori stranieri non accompagnati sarà rinnovato con un "
    "nuovo accordo di partenariato.",
    "Gli sportelli di ascolto resteranno aperti il martedì e il giovedì mattina presso la casa "
    "di comunità.",
    "La fondazione di comunità contribuirà con un bando dedicato ai giovani tra i sedici e i "
    "venticinque anni.",
    "Il progetto prevede anche percorsi di inserimento lavorativo per persone in condizione di "
    "fragilità economica.",
    "Durante l'estate i laboratori si svolgeranno all'aperto, nei cortili delle scuole messe a "
    "disposizione dall'istituto comprensivo.",
    "La relazione finale del percorso partecipativo sarà pubblicata sul sito istituzionale "
    "entro la fine dell'anno.",
    "Per informazioni è possibile rivolgersi all'ufficio di piano, aperto dal lunedì al "
    "venerdì dalle nove alle dodici.",
    "Il consiglio comunale ha votato all'unanimità il regolamento per l'amministrazione "
    "condivisa dei beni comuni urbani.",
    "La casa di quartiere ospiterà un emporio solidale gestito da una rete di associazioni e "
    "parrocchie della zona.",
    "Le famiglie con figli piccoli potranno usufruire di un servizio di custodia gratuito nei "
    "pomeriggi del sabato.",
    "Il distretto sociosanitario ha avviato un percorso di accreditamento per i servizi di "
    "assistenza domiciliare.",
    "Il documento di programmazione individua tre priorità: abitare, lavoro e contrasto alla "
    "solitudine degli anziani.",
    "All'iniziativa hanno aderito anche le imprese sociali del territorio e due istituti di "
    "credito cooperativo.",
]
EN_SENTENCES = [
    "The city council approved a new partnership with local charities to run the winter "
    "shelter for homeless people.",
    "Volunteers will staff the centre every evening from November to March, with support from "
    "the social services department.",
    "The budget of two hundred thousand pounds comes from a regional fund for community care.",
    "Residents were invited to a public meeting to discuss how the old library building should "
    "be used in the future.",
    "According to the council leader, the scheme shows what public bodies and charities can "
    "achieve when they plan services together.",
    "A report on the first year of the programme will be published next spring.",
    "Families on low incomes can apply for free school meals through the same online form.",
    "The cooperative that manages the community garden has doubled its membership since "
    "January.",
]
ES_SENTENCES = [
    "El ayuntamiento firmó un convenio con varias asociaciones para gestionar el centro de día "
    "para personas mayores.",
    "Las entidades sociales participarán en la planificación de los servicios durante los "
    "próximos tres años.",
    "El presupuesto asciende a medio millón de euros, financiado por el gobierno regional.",
    "Los vecinos podrán presentar propuestas en las reuniones abiertas que se celebrarán cada "
    "mes en el barrio.",
    "La concejala de servicios sociales destacó la importancia de la colaboración con el "
    "tercer sector.",
]
ZH_SENTENCES = [
    "市政府与多家社会组织签署了合作协议，共同运营老年人日间照料中心。",
    "志愿者将在每个工作日为独居老人提供上门服务和陪伴。",
    "该项目的预算为三百万元，由省级社会福利基金提供支持。",
    "居民可以在社区服务中心提交意见和建议，相关部门将定期回复。",
    "负责人表示，政府和社会组织共同规划服务，能够更好地满足居民的需求。",
    "第一年的工作报告将于明年春季公布。",
]
JA_SENTENCES = [
    "市役所は地域の福祉団体と協力して、高齢者のための新しい交流拠点を開設しました。",
    "ボランティアが毎週火曜日と木曜日に見守り活動を行います。",
    "事業費は約二千万円で、県の補助金が充てられます。",
    "住民からの意見は地域包括支援センターで受け付けています。",
    "担当者は、行政と市民団体が一緒に計画を立てることが大切だと話しました。",
]
TITLES = [
    "Co-progettazione dei servizi per gli anziani: pubblicato l'avviso",
    "Firmato il patto di collaborazione per il giardino di via Garibaldi",
    "Centro diurno per la disabilità, nuova gestione condivisa con le famiglie",
    "Convenzione con le associazioni per il trasporto sociale",
    "Emporio solidale nella casa di quartiere: si parte a settembre",
    "Bando per i giovani della fondazione di comunità",
    "Accreditamento dei servizi domiciliari, al via il percorso",
    "Regolamento dei beni comuni approvato all'unanimità",
    "Minori stranieri, rinnovato l'accordo di partenariato",
    "Percorso partecipativo: raccolte cento proposte dei cittadini",
    "Sportelli di ascolto nella casa di comunità",
    "Laboratori estivi nei cortili delle scuole",
]
COMMENTS = [
    "Finalmente una buona notizia per il nostro quartiere, complimenti a tutti i volontari!",
    "Speriamo che questa volta i fondi arrivino davvero e non restino sulla carta.",
    "Io abito in frazione e il trasporto sociale è fondamentale, grazie.",
    "Qualcuno sa se bisogna iscriversi prima per partecipare agli incontri?",
    "Ottima iniziativa, ma servirebbe più informazione sui social del Comune.",
]
PLACES = ["Montebello", "Valverde", "Castelnuovo", "San Lorenzo", "Roccabianca", "Pianello"]
MONTHS = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
          "settembre", "ottobre", "novembre", "dicembre"]


@dataclass(frozen=True)
class LayoutPage:
    name: str  # layout/variant, e.g. "wp_elementor-3"
    layout: str
    url: str
    body: bytes  # as served
    content_type: str  # the Content-Type header
    expected: str | None  # main text of an article, None for a page that is not one
    published: str | None = None


@dataclass
class _Story:
    title: str
    paragraphs: list[str]
    day: int
    month: int
    year: int
    place: str
    author: str

    @property
    def iso(self) -> str:
        return f"{self.year}-{self.month:02d}-{self.day:02d}"

    @property
    def italian_date(self) -> str:
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"


def _story(rng: random.Random, sentences: list[str] = IT_SENTENCES, paragraphs: int = 0,
           per_paragraph: tuple[int, int] = (2, 4), joiner: str = " ") -> _Story:
    count = paragraphs or rng.randint(2, 7)
    pool = sentences[:]
    rng.shuffle(pool)
    out = []
    for i in range(count):
        k = rng.randint(*per_paragraph)
        chosen = [pool[(i * 3 + j) % len(pool)] for j in range(k)]
        out.append(joiner.join(chosen))
    return _Story(title=rng.choice(TITLES), paragraphs=out, day=rng.randint(1, 28),
                  month=rng.randint(1, 12), year=rng.choice([2023, 2024, 2025]),
                  place=rng.choice(PLACES),
                  author=rng.choice(["Anna Neri", "Luca Bianchi", "Redazione", "Marta Gallo"]))


def _paragraphs(story: _Story, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{escape(p)}</p>" for p in story.paragraphs)


def _teasers(rng: random.Random, count: int, card: Callable[[int, str, str], str]) -> str:
    out = []
    for i in range(count):
        title = rng.choice(TITLES)
        excerpt = rng.choice(IT_SENTENCES)
        out.append(card(i, title, excerpt))
    return "\n".join(out)


def _menu(rng: random.Random, cls: str = "menu", items: int = 0) -> str:
    labels = ["Home", "Amministrazione", "Notizie", "Servizi", "Documenti", "Eventi", "Contatti",
              "Chi siamo", "Progetti", "Sostienici", "Area riservata", "Trasparenza"]
    n = items or rng.randint(5, len(labels))
    links = "".join(f'<li class="menu-item"><a href="/{lab.lower().replace(" ", "-")}/">'
                    f"{lab}</a></li>" for lab in labels[:n])
    return f'<ul class="{cls}">{links}</ul>'


def _cookie_banner(rng: random.Random) -> str:
    return rng.choice([
        '<div id="cmplz-cookiebanner-container"><div class="cmplz-cookiebanner">'
        "<div class='cmplz-message'>Questo sito utilizza cookie tecnici e di profilazione per "
        "migliorare la tua esperienza di navigazione.</div><button>Accetta</button></div></div>",
        '<div id="CybotCookiebotDialog"><h2>Questo sito utilizza cookie</h2><p>Utilizziamo i '
        "cookie per personalizzare contenuti e annunci.</p></div>",
        '<div class="cookiebar" role="dialog"><p>Usiamo i cookie per le statistiche di visita. '
        'Continuando accetti.</p><a href="/privacy">Informativa</a></div>',
        "",
    ])


def _jsonld(story: _Story, kind: str = "NewsArticle") -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": story.title,
            "datePublished": f"{story.iso}T09:30:00+01:00",
            "author": {"@type": "Person", "name": story.author}}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def _scripts(rng: random.Random) -> str:
    return rng.choice([
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
        "arguments);}gtag('js',new Date());</script>",
        "<script src='/wp-includes/js/jquery/jquery.min.js'></script><script>var ajaxurl="
        "'/wp-admin/admin-ajax.php';</script>",
        "<script>(function(){var s=document.createElement('script');s.async=true;})();</script>",
    ])


def _html(head: str, body: str, lang: str = "it", charset: str = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<meta name="viewport" '
            f'content="width=device-width, initial-scale=1">{head}</head>\n<body>{body}'
            "</body></html>")


# ---------------------------------------------------------------------------------- layouts


def wp_elementor(rng: random.Random, story: _Story) -> tuple[str, str]:
    cards = _teasers(rng, rng.choice([0, 3, 6, 9]), lambda i, t, e: (
        f'<article class="elementor-post elementor-grid-item post-{900 + i} post type-post">'
        f'<a class="elementor-post__thumbnail__link" href="/{900 + i}/"><div class="elementor-'
        f'post__thumbnail"><img src="/img/{i}.jpg" alt=""></div></a><div class="elementor-post'
        f'__text"><h3 class="elementor-post__title"><a href="/{900 + i}/">{escape(t)}</a></h3>'
        f'<div class="elementor-post__excerpt"><p>{escape(e)}</p></div></div></article>'))
    head = (f"<title>{escape(story.title)} - Cooperativa Il Ponte</title>"
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{story.iso}T08:00:00+00:00">'
            + _jsonld(story, "BlogPosting"))
    body = (
        '<div data-elementor-type="header" class="elementor elementor-12 elementor-location-'
        'header"><section class="elementor-section elementor-top-section"><div class="elementor'
        '-container"><div class="elementor-widget elementor-widget-theme-site-logo"><a href="/">'
        '<img src="/logo.png" alt="Cooperativa Il Ponte"></a></div><div class="elementor-widget '
        'elementor-widget-nav-menu"><nav class="elementor-nav-menu--main">' + _menu(rng)
        + "</nav></div></div></section></div>"
        '<div data-elementor-type="single-post" class="elementor elementor-345 elementor-'
        'location-single post-345 post type-post status-publish">'
        '<section class="elementor-section elementor-top-section"><div class="elementor-'
        'container elementor-column-gap-default"><div class="elementor-column elementor-col-'
        '100"><div class="elementor-widget-wrap elementor-element-populated">'
        '<div class="elementor-element elementor-widget elementor-widget-theme-post-title '
        'elementor-page-title elementor-widget-heading"><div class="elementor-widget-container">'
        f'<h1 class="elementor-heading-title elementor-size-default">{escape(story.title)}</h1>'
        "</div></div>"
        '<div class="elementor-element elementor-widget elementor-widget-post-info"><div class='
        '"elementor-widget-container"><ul class="elementor-inline-items elementor-icon-list-'
        f'items elementor-post-info"><li class="elementor-icon-list-item"><span>{story.day:02d}'
        f"/{story.month:02d}/{story.year}</span></li><li><span>{escape(story.author)}</span>"
        "</li></ul></div></div>"
        '<div class="elementor-element elementor-widget elementor-widget-theme-post-content">'
        f'<div class="elementor-widget-container">{_paragraphs(story)}</div></div>'
        '<div class="elementor-element elementor-share-buttons--view-icon elementor-widget '
        'elementor-widget-share-buttons"><div class="elementor-widget-container"><div class='
        '"elementor-grid"><div class="elementor-grid-item"><div class="elementor-share-btn '
        'elementor-share-btn_facebook"><span class="elementor-share-btn__text">Facebook</span>'
        "</div></div><div class='elementor-grid-item'><div class='elementor-share-btn elementor-"
        "share-btn_whatsapp'><span class='elementor-share-btn__text'>WhatsApp</span></div></div>"
        "</div></div></div>"
        + ('<div class="elementor-element elementor-widget elementor-widget-heading"><div '
           'class="elementor-widget-container"><h2 class="elementor-heading-title">Potrebbe '
           'interessarti</h2></div></div><div class="elementor-element elementor-widget '
           'elementor-widget-posts"><div class="elementor-widget-container"><div class="'
           f'elementor-posts-container elementor-posts elementor-grid">{cards}</div></div></div>'
           if cards else "")
        + "</div></div></div></section></div>"
        '<div data-elementor-type="footer" class="elementor elementor-location-footer"><section '
        'class="elementor-section"><div class="elementor-widget elementor-widget-text-editor">'
        '<div class="elementor-widget-container"><p>Cooperativa sociale Il Ponte onlus - Via '
        "Roma 12 - P.IVA 01234567890</p></div></div></section></div>"
        + _cookie_banner(rng) + _scripts(rng))
    return head, body


def wp_gutenberg(rng: random.Random, story: _Story) -> tuple[str, str]:
    comments = "".join(
        f'<li id="comment-{i}" class="comment even thread-even depth-1"><article class="comment-'
        f'body"><footer class="comment-meta"><div class="comment-author vcard"><b class="fn">'
        f"Lettore {i}</b></div></footer><div class='comment-content'><p>{escape(c)}</p></div>"
        "</article></li>" for i, c in enumerate(rng.sample(COMMENTS, rng.randint(0, 4))))
    related = _teasers(rng, rng.choice([0, 3]), lambda i, t, e: (
        f'<div class="jp-relatedposts-post jp-relatedposts-post{i}"><h4 class="jp-'
        f'relatedposts-post-title"><a href="/{700 + i}/">{escape(t)}</a></h4><p class="jp-'
        f'relatedposts-post-excerpt">{escape(e)}</p></div>'))
    figure = ('<figure class="wp-block-image size-large"><img src="/wp-content/uploads/foto.jpg"'
              ' alt=""><figcaption class="wp-element-caption">Foto di archivio</figcaption>'
              "</figure>")
    paragraphs = [f'<p class="wp-block-paragraph">{escape(p)}</p>' for p in story.paragraphs]
    if len(paragraphs) > 2 and rng.random() < 0.5:
        paragraphs.insert(1, figure)
    head = (f"<title>{escape(story.title)} &#8211; Associazione Casa Aperta</title>"
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{story.iso}T10:15:00+00:00">'
            '<link rel="stylesheet" id="wp-block-library-css" href="/wp-includes/css/dist/'
            'block-library/style.min.css">')
    body = (
        '<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">'
        'Vai al contenuto</a><header id="masthead" class="site-header"><p class="site-title">'
        '<a href="/">Associazione Casa Aperta</a></p><nav id="site-navigation" class="main-'
        f'navigation">{_menu(rng, "primary-menu")}</nav></header>'
        '<div id="content" class="site-content"><div id="primary" class="content-area"><main '
        f'id="main" class="site-main"><article id="post-{rng.randint(100, 999)}" class="post '
        'type-post status-publish format-standard hentry category-notizie">'
        f'<header class="entry-header"><h1 class="entry-title">{escape(story.title)}</h1><div '
        f'class="entry-meta"><span class="posted-on">Pubblicato il <time class="entry-date '
        f'published" datetime="{story.iso}T10:15:00+00:00">{story.italian_date}</time></span> '
        f'<span class="byline">di <span class="author vcard"><a class="url fn n" href="/author/'
        f'x/">{escape(story.author)}</a></span></span></div></header>'
        f'<div class="entry-content">{"".join(paragraphs)}'
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-'
        'social sd-social-icon-text sd-sharing"><h3 class="sd-title">Condividi:</h3><div class='
        '"sd-content"><ul><li class="share-facebook"><a href="#">Facebook</a></li><li class="'
        'share-x"><a href="#">X</a></li></ul></div></div></div>'
        + (f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-'
           f'headline"><em>Correlati</em></h3><div class="jp-relatedposts-items">{related}</div>'
           "</div>" if related else "")
        + '</div><footer class="entry-footer"><span class="cat-links">Pubblicato in <a href="/'
        'category/notizie/" rel="category tag">Notizie</a></span></footer></article>'
        + ('<div id="comments" class="comments-area"><h2 class="comments-title">Commenti</h2>'
           f'<ol class="comment-list">{comments}</ol>' if comments else
           '<div id="comments" class="comments-area">')
        + '<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-'
        'title">Lascia un commento</h3><form action="/wp-comments-post.php" method="post" id="'
        'commentform"><p class="comment-notes">Il tuo indirizzo email non sarà pubblicato.</p>'
        '<textarea id="comment" name="comment"></textarea></form></div></div>'
        '</main></div><aside id="secondary" class="widget-area"><section id="recent-posts-2" '
        'class="widget widget_recent_entries"><h2 class="widget-title">Articoli recenti</h2><ul>'
        + "".join(f'<li><a href="/{600 + i}/">{escape(t)}</a></li>'
                  for i, t in enumerate(rng.sample(TITLES, 5)))
        + '</ul></section></aside></div><footer id="colophon" class="site-footer"><div class="'
        'site-info">Associazione Casa Aperta APS - C.F. 91234560123</div></footer></div>'
        + _cookie_banner(rng) + _scripts(rng))
    return head, body


def drupal(rng: random.Random, story: _Story) -> tuple[str, str]:
    rows = "".join(f'<div class="views-row"><span class="field-content"><a href="/node/{50 + i}"'
                   f' hreflang="it">{escape(t)}</a></span></div>'
                   for i, t in enumerate(rng.sample(TITLES, 4)))
    head = (f"<title>{escape(story.title)} | Consorzio Sociale Valle</title>"
            f'<meta name="dcterms.date" content="{story.iso}T12:00+01:00">'
            '<link rel="canonical" href="/node/321">')
    body = (
        '<a href="#main-content" class="visually-hidden focusable skip-link">Salta al contenuto '
        'principale</a><div class="dialog-off-canvas-main-canvas"><div class="layout-container">'
        '<header role="banner"><div class="region region-header"><div id="block-site-branding">'
        '<a href="/" rel="home">Consorzio Sociale Valle</a></div></div><div class="region region-'
        f'primary-menu"><nav role="navigation" id="block-main-menu">{_menu(rng)}</nav></div>'
        '</header><div class="region region-breadcrumb"><div id="block-breadcrumbs"><nav class="'
        'breadcrumb" role="navigation"><ol><li><a href="/">Home</a></li><li><a href="/notizie">'
        'Notizie</a></li></ol></nav></div></div><main role="main"><a id="main-content" '
        'tabindex="-1"></a><div class="layout-content"><div class="region region-content">'
        '<div id="block-page-title-block" class="block block-core block-page-title-block">'
        f'<h1 class="page-title"><span class="field field--name-title">{escape(story.title)}'
        '</span></h1></div><div id="block-mainpagecontent" class="block block-system block-'
        'system-main-block"><article role="article" about="/node/321" class="node node--type-'
        'article node--promoted node--view-mode-full"><footer class="node__meta"><div class="'
        f'node__submitted">Inviato da <span class="field field--name-uid">{escape(story.author)}'
        f"</span> il <span class='field field--name-created'>{story.day:02d}/{story.month:02d}"
        f"/{story.year}</span></div></footer><div class='node__content'><div class='clearfix "
        "text-formatted field field--name-body field--type-text-with-summary field--label-"
        f"hidden field__item'>{_paragraphs(story)}</div>"
        '<div class="field field--name-field-tags field--type-entity-reference field--label-'
        'above"><div class="field__label">Tag</div><div class="field__items"><div class="field'
        '__item"><a href="/taxonomy/term/3">welfare</a></div></div></div></div></article></div>'
        '</div></div><aside class="layout-sidebar-second" role="complementary"><div class="views-'
        f'element-container"><h2>Ultime notizie</h2>{rows}</div></aside></main>'
        '<footer role="contentinfo"><div class="region region-footer">Consorzio Sociale Valle '
        "- Piazza Duomo 3</div></footer></div></div>" + _cookie_banner(rng))
    return head, body


def joomla(rng: random.Random, story: _Story) -> tuple[str, str]:
    head = f"<title>{escape(story.title)}</title><meta name=\"generator\" content=\"Joomla!\">"
    modules = "".join(f'<li itemscope itemtype="https://schema.org/Article"><a href="/notizie/'
                      f'{80 + i}" itemprop="url"><span itemprop="name">{escape(t)}</span></a>'
                      "</li>" for i, t in enumerate(rng.sample(TITLES, 5)))
    body = (
        '<div class="body" id="top"><div class="container"><header class="header" role="banner">'
        '<div class="header-inner clearfix"><a class="brand pull-left" href="/">Pro Loco '
        f'{story.place}</a></div></header><nav class="navigation" role="navigation"><div class="'
        f'navbar pull-left">{_menu(rng, "nav menu nav-pills mod-list")}</div></nav>'
        '<div class="row-fluid"><main id="content" role="main" class="span9"><div id="system-'
        'message-container"></div><div class="item-page" itemscope itemtype="https://schema.org/'
        'Article"><meta itemprop="inLanguage" content="it-IT"><div class="page-header"><h2 '
        f'itemprop="headline">{escape(story.title)}</h2></div><dl class="article-info muted">'
        '<dt class="article-info-term">Dettagli</dt><dd class="createdby" itemprop="author" '
        f'itemscope itemtype="https://schema.org/Person">Scritto da <span itemprop="name">'
        f'{escape(story.author)}</span></dd><dd class="published"><span class="icon-calendar">'
        f'</span><time datetime="{story.iso}T09:00:00+00:00" itemprop="datePublished">'
        f"Pubblicato: {story.day:02d} {MONTHS[story.month - 1].capitalize()} {story.year}</time>"
        '</dd><dd class="hits"><meta itemprop="interactionCount" content="UserPageVisits:231">'
        'Visite: 231</dd></dl><div itemprop="articleBody">' + _paragraphs(story)
        + '</div><ul class="pager pagenav"><li class="previous"><a class="hasTooltip" href="/'
        'notizie/12" rel="prev">Indietro</a></li><li class="next"><a href="/notizie/14" rel="next'
        '">Avanti</a></li></ul></div></main><div id="aside" class="span3"><div class="well '
        '"><h3 class="page-header">Ultime notizie</h3><ul class="latestnews mod-list">'
        + modules + '</ul></div></div></div></div></div><footer class="footer" role="'
        'contentinfo"><div class="container"><p>&copy; 2025 Pro Loco</p></div></footer>'
        + _cookie_banner(rng))
    return head, body


def designers_italia(rng: random.Random, story: _Story) -> tuple[str, str]:
    lead, *rest = story.paragraphs if len(story.paragraphs) > 1 else (story.paragraphs[0], )
    cards = _teasers(rng, rng.choice([0, 3]), lambda i, t, e: (
        '<div class="col-12 col-md-6 col-lg-4"><div class="card-wrapper border border-light '
        'rounded shadow-sm"><div class="card no-after rounded"><div class="card-body"><div '
        'class="category-top cmp-list-card-img__body"><a class="category text-decoration-none" '
        'href="/notizie/comunicati">Comunicati</a><span class="data">12 mar 2025</span></div>'
        f'<a class="text-decoration-none" href="/notizie/{i}" data-element="news-category-link">'
        f'<h3 class="card-title">{escape(t)}</h3></a><p class="card-text text-secondary">'
        f"{escape(e)}</p></div></div></div></div>"))
    head = (f"<title>{escape(story.title)} - Comune di {story.place}</title>"
            f'<meta name="description" content="{escape(lead[:150])}">')
    body = (
        '<div class="skiplink"><a class="visually-hidden-focusable" href="#main-container">'
        'Vai ai contenuti</a></div><header class="it-header-wrapper" data-bs-target="#header-nav'
        '-wrapper"><div class="it-header-slim-wrapper"><div class="container"><a class="d-lg-'
        'block navbar-brand" href="https://www.regione.example.it">Regione</a></div></div><div '
        'class="it-nav-wrapper"><div class="it-header-center-wrapper"><div class="it-brand-'
        f'wrapper"><a href="/"><div class="it-brand-text"><div class="it-brand-title">Comune di '
        f'{story.place}</div></div></a></div></div><div class="it-header-navbar-wrapper" id="'
        'header-nav-wrapper"><nav class="navbar navbar-expand-lg has-megamenu" aria-label="'
        f'Navigazione principale">{_menu(rng, "navbar-nav")}</nav></div></div></header>'
        '<main><div class="container" id="main-container"><div class="row justify-content-'
        'center"><div class="col-12 col-lg-10"><div class="cmp-breadcrumbs" role="navigation">'
        '<nav class="breadcrumb-container" aria-label="breadcrumb"><ol class="breadcrumb" data-'
        'element="breadcrumb"><li class="breadcrumb-item"><a href="/">Home</a></li><li class="'
        'breadcrumb-item"><a href="/notizie">Notizie</a></li></ol></nav></div><div class="cmp-'
        'heading pb-3 pb-lg-4"><div class="row"><div class="col-lg-8 px-lg-4 py-lg-2"><h1 class'
        f'="title-xxxlarge" data-element="page-name">{escape(story.title)}</h1>'
        f'<p class="subtitle-small mb-3" data-element="page-description">{escape(lead)}</p></div>'
        '<div class="col-lg-3 offset-lg-1"><div class="dropdown d-inline"><button class="btn '
        'btn-dropdown dropdown-toggle">Condividi</button><div class="dropdown-menu"><ul class="'
        'link-list"><li><a class="list-item" href="#">Facebook</a></li><li><a class="list-item"'
        ' href="#">Twitter</a></li><li><a class="list-item" href="#">Linkedin</a></li></ul>'
        '</div></div></div></div><div class="row mt-5 mb-4"><div class="col-6"><small>Data:'
        f'</small><p class="fw-semibold font-monospace">{story.day:02d} {MONTHS[story.month - 1]}'
        f' {story.year}</p></div></div></div></div></div></div><div class="container"><div '
        'class="row row-column-menu-left mt-4 mt-lg-80 pb-lg-80 pb-40"><div class="col-12 col-'
        'lg-3 mb-4 border-col"><div class="cmp-navscroll sticky-top" aria-labelledby="accordion'
        '-title-one"><nav class="navbar it-navscroll-wrapper navbar-expand-lg" aria-label="'
        'Indice della pagina" data-bs-navscroll><div class="link-list-wrapper"><h3>Indice della'
        ' pagina</h3><ul class="link-list"><li class="nav-item"><a class="nav-link" href="#'
        'descrizione">Descrizione</a></li><li><a class="nav-link" href="#contatti">Contatti</a>'
        '</li></ul></div></nav></div></div><div class="col-12 col-lg-8 offset-lg-1"><div class='
        '"it-page-sections-container"><section class="it-page-section mb-30" id="descrizione">'
        '<h2 class="mb-3">Descrizione</h2><div class="richtext-wrapper lora" data-element="'
        f'service-description">{"".join(f"<p>{escape(p)}</p>" for p in rest)}</div></section>'
        '<section class="it-page-section mb-30" id="contatti"><h2 class="mb-3">Contatti</h2><div'
        ' class="card card-teaser shadow mt-3 rounded"><div class="card-body"><h3 class="card-'
        'title"><a href="/uffici/servizi-sociali">Ufficio servizi sociali</a></h3><div class="'
        'card-text">Piazza del Municipio 1 - Telefono 0123 456789</div></div></div></section>'
        '<section class="it-page-section mb-30"><div class="row"><div class="col-12 mb-3"><p '
        'class="text-paragraph-small" data-element="metadata">Ultimo aggiornamento: 03/04/2025'
        '</p></div></div></section></div></div></div></div>'
        + ('<section class="bg-grey-card py-5"><div class="container"><h2 class="title-xxlarge '
           f'mb-4">Notizie correlate</h2><div class="row g-4">{cards}</div></div></section>'
           if cards else "")
        + '<div class="bg-primary"><div class="container"><div class="row d-flex justify-content'
        '-center bg-primary"><div class="col-12 col-lg-6 p-lg-0 px-3"><div class="cmp-rating '
        'pt-lg-80 pb-lg-80" id="rating"><div class="card shadow card-wrapper" data-element="'
        'feedback"><div class="cmp-rating__card-first"><div class="card-header border-0"><h2 '
        'class="title-medium-2-semi-bold mb-0" data-element="feedback-title">Quanto sono chiare'
        ' le informazioni su questa pagina?</h2></div><fieldset class="rating"><legend class="'
        'visually-hidden">Valuta da 1 a 5 stelle</legend></fieldset></div></div></div></div>'
        '</div></div></div></main><footer class="it-footer" id="footer"><div class="it-footer-'
        f'main"><div class="container"><p>Comune di {story.place} - Codice fiscale 80012345678 '
        '- PEC protocollo@pec.comune.example.it</p></div></div></footer>'
        + _cookie_banner(rng))
    return head, body


def halley(rng: random.Random, story: _Story) -> tuple[str, str]:
    """Old municipal CMS (Halley/Maggioli style): tables, <font>, text split by <br>."""
    text = "<br><br>\n".join(escape(p) for p in story.paragraphs)
    head = f"<title>Comune di {story.place} - Notizie</title>"
    left = "".join(f'<tr><td class="menusx"><a href="/index.php?area={i}">{lab}</a></td></tr>'
                   for i, lab in enumerate(["Home", "Uffici", "Albo pretorio", "Modulistica",
                                            "Notizie", "Amministrazione trasparente"]))
    body = (
        '<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td colspan="2" '
        f'class="testata"><img src="/img/stemma.gif" alt="Stemma">Comune di {story.place}</td>'
        f'</tr><tr><td width="180" valign="top"><table class="menu">{left}</table></td>'
        '<td valign="top"><div id="contenuto"><div class="percorso"><a href="/">Home</a> &gt; <a'
        ' href="/notizie">Notizie</a></div><div class="notizia_dettaglio"><div class="data_'
        f'notizia">{story.day:02d}/{story.month:02d}/{story.year}</div><h2 class="titolo_notizia">'
        f'{escape(story.title)}</h2><div class="testo"><font face="Verdana" size="2">{text}'
        '</font></div><div class="allegati"><b>Allegati:</b> <a href="/allegati/avviso.pdf">'
        'avviso.pdf</a></div></div><div class="torna"><a href="javascript:history.back()">Torna '
        'indietro</a></div></div></td></tr><tr><td colspan="2" class="piede">Comune di '
        f"{story.place} - P.IVA 00123456789 - Tel. 0123 45678</td></tr></table>")
    return head, body


def news_rail(rng: random.Random, story: _Story) -> tuple[str, str]:
    """A local news site: the story, a related-stories rail of 7-60 <article> cards, ads and
    a comment widget."""
    count = rng.randint(7, 60)
    cards = _teasers(rng, count, lambda i, t, e: (
        f'<article class="card card--small"><a href="/cronaca/{2000 + i}/storia-{i}/" class="'
        f'card__link"><figure class="card__img"><img src="/i/{i}.jpg" alt=""></figure><h3 class='
        f'"card__title">{escape(t)}</h3></a>'
        + (f'<p class="card__excerpt">{escape(e)}</p>' if i % 2 else "")
        + f'<time class="card__date" datetime="2025-03-{1 + i % 28:02d}">{1 + i % 28} marzo'
        "</time></article>"))
    fb = rng.random() < 0.5
    comments = (
        '<div class="fb-comments" data-href="https://example.it/" data-numposts="5"></div>'
        if fb else
        '<section id="comments" class="comments"><h3>I commenti dei lettori</h3>' + "".join(
            f'<div class="comment"><span class="comment__author">Utente{i}</span><p>{escape(c)}'
            "</p></div>" for i, c in enumerate(rng.sample(COMMENTS, 3))) + "</section>")
    head = (f"<title>{escape(story.title)} | Il Giornale di {story.place}</title>"
            f'<meta property="og:type" content="article"><meta property="og:title" content="'
            f'{escape(story.title)}">' + _jsonld(story))
    body = (
        f'<header class="site-header"><div class="logo"><a href="/">Il Giornale di {story.place}'
        f'</a></div><nav class="main-nav">{_menu(rng)}</nav><div class="ticker"><span>Ultim'
        "'ora</span>" + "".join(f'<a href="/ultima/{i}">{escape(t)}</a>'
                                for i, t in enumerate(rng.sample(TITLES, 4)))
        + '</div></header><div class="adv adv--leaderboard"><div id="div-gpt-ad-1">'
        "</div></div><main class=\"container\"><div class=\"row\"><div class=\"col-main\">"
        f'<article class="article article--full"><span class="article__kicker">{story.place}'
        f'</span><h1 class="article__title">{escape(story.title)}</h1><div class="article__meta'
        f'"><span class="article__author">di {escape(story.author)}</span> <time datetime="'
        f'{story.iso}T07:45:00+01:00">{story.italian_date}</time></div><div class="share-bar">'
        '<a href="#" class="share-bar__fb">Condividi</a><a href="#">Tweet</a></div>'
        f'<div class="article__body">{_paragraphs(story)}</div><div class="article__tags"><a '
        f'href="/tag/welfare/" rel="tag">welfare</a></div></article>{comments}'
        f'<section class="related-rail"><h2 class="rail__title">Leggi anche</h2>{cards}</section>'
        '</div><div class="col-side"><div class="box-piu-letti"><h3>I più letti</h3><ol>'
        + "".join(f'<li><a href="/letti/{i}">{escape(t)}</a></li>'
                  for i, t in enumerate(rng.sample(TITLES, 5)))
        + '</ol></div></div></div></main><footer class="site-footer"><p>Il Giornale di '
        f"{story.place} - Testata registrata presso il Tribunale</p></footer>"
        + _cookie_banner(rng) + _scripts(rng))
    return head, body


def news_teaser_grid(rng: random.Random, story: _Story) -> tuple[str, str]:
    """A short story with many links around it: menus, a footer of sections, teaser cards."""
    sections = "".join(f'<li><a href="/sezione-{i}/">Sezione {i}</a></li>' for i in range(40))
    cards = _teasers(rng, rng.randint(8, 20), lambda i, t, e: (
        f'<article class="teaser"><h3><a href="/n/{i}">{escape(t)}</a></h3></article>'))
    head = (f"<title>{escape(story.title)}</title>"
            f'<meta property="article:published_time" content="{story.iso}T23:30:00Z">')
    body = (f'<div class="top-links"><ul>{sections}</ul></div><div id="wrapper"><div class="'
            f'post"><h1>{escape(story.title)}</h1><div class="post-text">{_paragraphs(story)}'
            f'</div></div><div class="more-news">{cards}</div></div>'
            f'<div class="bottom-links"><ul>{sections}</ul></div>')
    return head, body


def news_blocks(rng: random.Random, story: _Story) -> tuple[str, str]:
    """A component-based news site: every paragraph in its own block, some with a link;
    or an old editor that writes paragraphs as bare <div>s."""
    if rng.random() < 0.5:
        paragraphs = "".join(
            f'<div class="article-block article-block--text"><p>{escape(p)}'
            + (f' <a href="/approfondimento/{i}">Approfondisci</a>' if i % 2 == 0 else "")
            + "</p></div>" for i, p in enumerate(story.paragraphs))
        expected_links = [f"{p} Approfondisci" if i % 2 == 0 else p
                          for i, p in enumerate(story.paragraphs)]
    else:
        paragraphs = "".join(f"<div>{escape(p)}</div>" for p in story.paragraphs)
        expected_links = story.paragraphs
    story.paragraphs[:] = expected_links
    head = (f"<title>{escape(story.title)}</title>"
            f'<meta property="article:published_time" content="{story.iso}T06:00:00+01:00">')
    body = (f'<header class="masthead"><nav>{_menu(rng)}</nav></header><div id="app"><div class="'
            f'page"><h1 class="headline">{escape(story.title)}</h1><div class="article-content">'
            f'{paragraphs}</div><div class="article-tools"><a href="#">Stampa</a></div></div>'
            "</div>" + _cookie_banner(rng))
    return head, body


def foreign(rng: random.Random, story: _Story, lang: str) -> tuple[str, str]:
    head = (f"<title>{escape(story.title)}</title>"
            f'<meta property="article:published_time" content="{story.iso}T09:00:00Z">')
    body = (f'<header><nav>{_menu(rng)}</nav></header><main><article class="post"><h1>'
            f'{escape(story.title)}</h1><div class="post-body">{_paragraphs(story)}</div>'
            '</article><aside class="related"><h2>More</h2><ul>' + "".join(
                f'<li><a href="/x/{i}">Story {i}</a></li>' for i in range(6))
            + "</ul></aside></main><footer>Footer</footer>")
    return head, body


# ---------------------------------------------------------------------------------- listings


def listing_designers_italia(rng: random.Random, story: _Story) -> tuple[str, str]:
    cards = _teasers(rng, rng.randint(6, 12), lambda i, t, e: (
        '<div class="col-md-6 col-xl-4"><div class="card-wrapper border border-light rounded '
        'shadow-sm cmp-list-card-img cmp-list-card-img-hr"><div class="card no-after rounded">'
        '<div class="row g-2 g-md-0 flex-md-column"><div class="col-4 order-2 order-md-1"><img '
        'src="/img/n.jpg" class="rounded-top img-fluid" alt=""></div><div class="col-8 order-1 '
        'order-md-2"><div class="card-body"><div class="category-top cmp-list-card-img__body">'
        '<a class="category text-decoration-none" href="/notizie/comunicati">Comunicati</a>'
        f'<span class="data">{1 + i} mar 2025</span></div><a class="text-decoration-none" href'
        f'="/notizie/{i}" data-element="news-category-link"><h3 class="h5 card-title">{escape(t)}'
        f'</h3></a><p class="card-text d-none d-md-block">{escape(e)}</p></div></div></div>'
        "</div></div></div>"))
    head = f"<title>Notizie - Comune di {story.place}</title>"
    body = (f'<header class="it-header-wrapper"><nav>{_menu(rng)}</nav></header><main><div '
            'class="container"><div class="cmp-heading"><h1 class="title-xxxlarge">Notizie</h1>'
            '<p class="subtitle-small">Le notizie, i comunicati e gli avvisi del Comune.</p>'
            '</div></div><div class="bg-grey-card py-5"><div class="container"><h2 class="'
            'title-xxlarge mb-4">Esplora le notizie</h2><div class="row g-4">' + cards
            + '</div><nav class="pagination-wrapper" aria-label="Paginazione"><ul class="'
            'pagination"><li class="page-item"><a class="page-link" href="?page=2">2</a></li>'
            "</ul></nav></div></div></main><footer class='it-footer'>Comune</footer>")
    return head, body


def listing_wordpress_archive(rng: random.Random, story: _Story) -> tuple[str, str]:
    posts = _teasers(rng, rng.randint(4, 10), lambda i, t, e: (
        f'<article id="post-{300 + i}" class="post type-post status-publish hentry"><header '
        f'class="entry-header"><h2 class="entry-title"><a href="/{300 + i}/" rel="bookmark">'
        f'{escape(t)}</a></h2><div class="entry-meta"><time class="entry-date published">'
        f'{1 + i} aprile 2025</time></div></header><div class="entry-summary"><p>{escape(e)} '
        f'{escape(rng.choice(IT_SENTENCES))} [&hellip;]</p></div><a class="more-link" href="/'
        f'{300 + i}/">Continua a leggere</a></article>'))
    head = '<title>Notizie &#8211; Associazione</title><meta property="og:type" content="website">'
    body = (f'<header id="masthead"><nav>{_menu(rng)}</nav></header><main id="main" class="site'
            '-main"><header class="page-header"><h1 class="page-title">Notizie</h1></header>'
            f'{posts}<nav class="navigation pagination"><a class="next page-numbers" href="/'
            'notizie/page/2/">Successivo</a></nav></main><footer>Associazione</footer>')
    return head, body


def listing_home(rng: random.Random, story: _Story) -> tuple[str, str]:
    """A home page: a welcome line, highlighted stories, services, events."""
    top = _teasers(rng, 3, lambda i, t, e: (
        f'<div class="evidenza"><a href="/notizie/{i}"><h2>{escape(t)}</h2></a><p>{escape(e)}'
        "</p></div>"))
    services = "".join(f'<div class="col-md-3"><a class="card-servizio" href="/servizi/{i}">'
                       f"<h3>{lab}</h3><p>Tutte le informazioni sul servizio</p></a></div>"
                       for i, lab in enumerate(["Anagrafe", "Tributi", "Scuola", "Sociale",
                                                "Edilizia", "Ambiente", "Cultura", "Sport"]))
    head = f"<title>Comune di {story.place}</title><meta property='og:type' content='website'>"
    body = (f'<header><nav>{_menu(rng)}</nav></header><main><h1 class="visually-hidden">Comune'
            f" di {story.place}</h1><section class='hero'><p>Benvenuti sul sito istituzionale "
            f"del Comune di {story.place}.</p></section><section class='in-evidenza'>{top}"
            f"</section><section class='servizi'><h2>Servizi</h2><div class='row'>{services}"
            "</div></section><section class='eventi'><h2>Eventi</h2><ul>" + "".join(
                f'<li><a href="/eventi/{i}">{escape(t)}</a> <span>{1 + i} maggio</span></li>'
                for i, t in enumerate(rng.sample(TITLES, 5)))
            + "</ul></section></main><footer>Comune</footer>")
    return head, body


def listing_link_list(rng: random.Random, story: _Story) -> tuple[str, str]:
    """A municipal 'Notizie' index: a list of dated links and short abstracts."""
    items = "".join(
        f'<li><span class="data">{1 + i:02d}/03/2025</span> <a href="/index.php?id={500 + i}">'
        f"{escape(t)}</a>" + (f'<div class="abstract">{escape(rng.choice(IT_SENTENCES))}</div>'
                              if rng.random() < 0.5 else "") + "</li>"
        for i, t in enumerate(rng.choices(TITLES, k=rng.randint(8, 25))))
    head = f"<title>Comune di {story.place} - Notizie</title>"
    body = ('<div id="testata">Comune</div><div id="contenuto"><h1>Notizie</h1><p>Elenco delle '
            f'notizie pubblicate.</p><ul class="elenco_notizie">{items}</ul><div class="pagine">'
            '<a href="?pag=2">Pagina successiva</a></div></div><div id="piede">Comune</div>')
    return head, body


def listing_drupal_view(rng: random.Random, story: _Story) -> tuple[str, str]:
    rows = "".join(
        f'<div class="views-row"><div class="views-field views-field-title"><span class="field-'
        f'content"><a href="/node/{40 + i}">{escape(t)}</a></span></div><div class="views-field'
        f' views-field-body"><div class="field-content">{escape(rng.choice(IT_SENTENCES))}</div>'
        "</div></div>" for i, t in enumerate(rng.choices(TITLES, k=rng.randint(5, 12))))
    head = "<title>Notizie | Consorzio</title>"
    body = (f'<header role="banner">{_menu(rng)}</header><main role="main"><h1 class="page-'
            f'title">Notizie</h1><div class="view view-notizie view-display-id-page_1"><div '
            f'class="view-content">{rows}</div><nav class="pager"><a href="?page=1">'
            "Pagina successiva</a></nav></div></main>")
    return head, body


ARTICLE_LAYOUTS: dict[str, Callable[[random.Random, _Story], tuple[str, str]]] = {
    "wp_elementor": wp_elementor, "wp_gutenberg": wp_gutenberg, "drupal": drupal,
    "joomla": joomla, "designers_italia": designers_italia, "halley": halley,
    "news_rail": news_rail, "news_teaser_grid": news_teaser_grid, "news_blocks": news_blocks,
}
LISTING_LAYOUTS: dict[str, Callable[[random.Random, _Story], tuple[str, str]]] = {
    "listing_designers_italia": listing_designers_italia,
    "listing_wordpress_archive": listing_wordpress_archive, "listing_home": listing_home,
    "listing_link_list": listing_link_list, "listing_drupal_view": listing_drupal_view,
}
FOREIGN = {"en": (EN_SENTENCES, " "), "es": (ES_SENTENCES, " "), "zh": (ZH_SENTENCES, ""),
           "ja": (JA_SENTENCES, "")}


def _encode(rng: random.Random, html: str, variant: int) -> tuple[bytes, str]:
    """The page's bytes and Content-Type: UTF-8 (some pages with invalid bytes between
    paragraphs, some without any declared charset) or windows-1252."""
    if variant % 5 == 1:
        junk = rng.choice([b"\xe0 ", b"\x92\x93", b"\xff\xfe", b"\xe8\xe8\xe8"])
        body = html.encode("utf-8").replace(b"</p>", b"</p>" + junk, 2)
        body = body.replace(b"<br><br>", b"<br>" + junk + b"<br>", 2)
        return body, "text/html; charset=utf-8"
    if variant % 5 == 2:
        return html.replace('<meta charset="utf-8">', "").encode("utf-8"), "text/html"
    if variant % 5 == 3:
        latin = html.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
        try:
            return latin.encode("cp1252"), "text/html"
        except UnicodeEncodeError:
            pass
    return html.encode("utf-8"), "text/html; charset=UTF-8"


def corpus(seed: int = 0, per_layout: int = 20, short_every: int = 4) -> list[LayoutPage]:
    """Seeded variations of every layout: `per_layout` articles per article layout (one in
    `short_every` a brief note of 25-60 words), a few articles per foreign language, and
    `per_layout // 2` pages per listing layout."""
    rng = random.Random(seed)
    pages = []
    for layout, render in ARTICLE_LAYOUTS.items():
        for i in range(per_layout):
            short = i % short_every == short_every - 1
            story = _story(rng, paragraphs=1 if short else 0,
                           per_paragraph=(2, 3) if short else (2, 4))
            head, body = render(rng, story)
            pages.append(_page(rng, layout, i, head, body, story))
    for lang, (sentences, joiner) in FOREIGN.items():
        for i in range(max(2, per_layout // 4)):
            story = _story(rng, sentences, joiner=joiner)
            story.title = joiner.join(sentences[i % len(sentences)].split()[:8])[:40]
            head, body = foreign(rng, story, lang)
            pages.append(_page(rng, f"foreign_{lang}", i, head, body, story, lang=lang))
    for layout, render in LISTING_LAYOUTS.items():
        for i in range(max(2, per_layout // 2)):
            story = _story(rng)
            head, body = render(rng, story)
            pages.append(_page(rng, layout, i, head, body, None))
    return pages


def _page(rng: random.Random, layout: str, i: int, head: str, body: str,
          story: _Story | None, lang: str = "it") -> LayoutPage:
    html = _html(head, body, lang=lang)
    data, content_type = _encode(rng, html, i)
    slug = "notizie" if story is None else f"notizie/{layout}-{i}"
    published = story.iso if story else None
    if published and "T23:30:00Z" in head:  # 23:30 UTC is already the next day in Italy
        published = (date.fromisoformat(published) + timedelta(days=1)).isoformat()
    return LayoutPage(
        name=f"{layout}-{i}", layout=layout, url=f"https://www.{layout.replace('_', '-')}.example"
        f".it/{slug}", body=data, content_type=content_type,
        expected="\n".join(story.paragraphs) if story else None,
        published=published)


def core() -> list[LayoutPage]:
    """The fixed set for the tests: five variants of every layout."""
    return corpus(seed=12, per_layout=5, short_every=3)


# Scoring: bag-of-words token-F1; in scripts without spaces every ideograph, kana and Thai
# letter is a token.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]|\w+")


def token_f1(found: str, expected: str) -> float:
    """Token-F1 of an extracted text against the expected one."""
    got = Counter(t.lower() for t in _TOKEN.findall(found or ""))
    want = Counter(t.lower() for t in _TOKEN.findall(expected or ""))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)
