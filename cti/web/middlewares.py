"""Every request logged, every failure answered in the API's JSON error shape.

The order in `create_app` is: request log (outermost, so it sees the final status), errors,
then the authentication slot, then the view.
"""

from __future__ import annotations

import logging
import time
import traceback

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from cti.web.errors import INTERNAL, ApiError, from_domain, from_http
from cti.web.responses import json_error

log = logging.getLogger("cti.web.requests")

__all__ = ["Middleware", "errors_as_json", "request_log"]


@web.middleware
async def request_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    # The path only, still percent-encoded: the query string may hold a caller's number
    # (`?caller=`), which KVKK (Law No. 6698, art. 12) keeps out of logs; encoded, a path
    # cannot forge a second log line either.
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.1fms", request.method, request.rel_url.raw_path, status, elapsed_ms)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return json_error(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = json_error(from_http(exc))
        if "Allow" in exc.headers:  # a 405 says which methods the path takes
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception as exc:
        mapped = from_domain(exc)
        if mapped is not None:
            return json_error(mapped)
        _log_failure(request, exc)
        return json_error(INTERNAL)


def _log_failure(request: web.Request, exc: Exception) -> None:
    # Where it failed, without the exception's message: a database error quotes the
    # statement's parameters, and those include the caller's number (KVKK art. 12).
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "unhandled %s in %s %s\n%s",
        type(exc).__qualname__,
        request.method,
        request.rel_url.raw_path,
        frames,
    )
