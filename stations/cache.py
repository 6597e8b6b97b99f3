"""A Redis cache that a Redis outage cannot turn into errors.

The cache holds only what may be lost (rate-limit counters, anonymous
visitors' copies of public pages). When Redis is down or does not answer
within half a second, every call behaves as a miss: reads find nothing,
writes are dropped, counters start from one. So a resident can still
register while Redis is away; what is lost meanwhile is that rate limits do
not count and public pages are rendered afresh.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = 0.0


def _warn(exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:  # once a minute, not once a request
        _last_warning = now
        logger.warning("the cache (Redis) is unreachable; carrying on without it: %s", exc)


def _or(fallback):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except DOWN as exc:
                _warn(exc)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    get = _or(_default)(RedisCache.get)
    get_many = _or({})(RedisCache.get_many)
    has_key = _or(False)(RedisCache.has_key)
    set = _or(None)(RedisCache.set)
    set_many = _or([])(RedisCache.set_many)
    # "added": the caller goes on as if the key had been free
    add = _or(True)(RedisCache.add)
    touch = _or(False)(RedisCache.touch)
    delete = _or(False)(RedisCache.delete)
    delete_many = _or(None)(RedisCache.delete_many)
    # a counter that cannot be read starts again from one
    incr = _or(lambda key, delta=1, *a, **k: delta)(RedisCache.incr)
    decr = _or(lambda key, delta=1, *a, **k: -delta)(RedisCache.decr)
    clear = _or(False)(RedisCache.clear)
