"""The handler as an AWS Lambda function behind API Gateway (REST API v1 or HTTP API v2 events).

    Handler: forms.lambda_function.handler

Configured by the same FORMS_* environment variables as under gunicorn (docs/operators.md).
apig-wsgi turns the API Gateway event into a WSGI request and the response back into the
shape API Gateway expects.
"""

from apig_wsgi import make_lambda_handler

from forms.wsgi import application

handler = make_lambda_handler(application)
