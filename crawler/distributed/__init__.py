"""Distributed crawl on Redis (scrapy-redis): one coordinator, any number of workers.

    python pipeline.py crawl --sources FILE --db FILE --redis redis://HOST:PORT/N
    python pipeline.py worker --redis redis://HOST:PORT/N [--max-idle SECONDS]

The coordinator is an ordinary local crawl (crawler.process: the same spiders, ledger, item
pipelines and store functions, so the database is the one a single-machine crawl writes) whose
downloads are not made by itself: its download handler (coordinator.RedisDownloadHandler) puts
each request in the shared scrapy-redis queue and waits for the response a worker sends back.
Discovery, seen-URL checks, the frontier, retries and redirects stay with the coordinator, the
single writer of the database, and so does robots.txt (fetched through a worker like any
request; its Crawl-delay published in Redis). Its duplicate filter lives in Redis for the run
(scrapy-redis' RFPDupeFilter) and is dropped at the end, so the next run reads feeds and
listings again while the store's seen URLs keep it from requesting stored articles again.

A worker (worker.py) needs only the Redis URL: the run's settings and per-domain politeness
come from the coordinator through Redis (state.CrawlConfig). It takes requests from the queue
under a lease (queue.LeasedQueue: popped into a lease set atomically, extended by a heartbeat,
put back in the queue by whoever sees it expired, so a worker killed mid-crawl loses nothing),
paces every request, robots.txt included, with per-domain keys shared by all workers
(state.RedisState.reserve / acquire: the delay between two requests to a host and the number
of requests at once hold across workers together, robots.txt Crawl-delay as a floor), and
extracts article pages as the coordinator's ExtractPipeline would (crawler.pipelines
.prepared_fields). A result is accepted once per request, so nothing is stored twice.
"""
