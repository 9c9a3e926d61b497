"""The handler for a production WSGI server, configured by FORMS_* environment variables:

gunicorn --workers 2 --threads 8 forms.wsgi:application
"""

from forms.app import create_app, settings_from_env

application = create_app(settings_from_env())
