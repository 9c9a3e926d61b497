"""moto's S3 server as a WSGI application, for gunicorn: one worker (moto keeps the buckets in
its memory) with threads. It answers twice as fast as `python -m moto.server`, whose
development server is most of a request's time, so the landing tests and benchmarks measure
the handler rather than the stand-in for the bucket.

    gunicorn --workers 1 --threads 16 --worker-class gthread tests.s3app:application
"""

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

application = DomainDispatcherApplication(create_backend_app)
