import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnhub.settings.dev")
application = get_wsgi_application()
# The loaded application (Django, the URL resolver, the models) lives as long as the worker:
# keep it out of the cyclic garbage collector's sweeps, which otherwise walk it whenever a
# large page (the 9,000-cell grid) allocates enough to trigger a full collection.
gc.freeze()
