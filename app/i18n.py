"""Which language a page or an email is shown in.

A page: the language the visitor chose (a `?lang=` link of the switcher, then remembered
in a cookie), else the browser's preference, among the languages the interface is
translated into. An email: the language the delegate chose when registering.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request, url_for

from .security import serves_a_file, site_path

LANGUAGE_COOKIE = "plenary_lang"
LANGUAGE_COOKIE_DAYS = 365


def select_locale() -> str:
    languages = current_app.config["UI_LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    for chosen in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen is not None and chosen in languages:
            return chosen
    return request.accept_languages.best_match(languages) or default


def email_locale(language: str) -> str:
    """The delegate's language for an email, when the interface is translated into it."""
    if language in current_app.config["UI_LANGUAGES"]:
        return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language_links() -> list[dict]:
    """The switcher: this page in each language, by its own name (for `hreflang` and `lang`).

    The page's path only: its other query arguments are not carried over, so that nothing
    a link brought in reaches the switcher's links."""
    names = current_app.config["LANGUAGES"]
    # Encoded, so that no path (a 404's above all) makes a link to another host.
    path = site_path(request.path) if request.method == "GET" else url_for("public.home")
    return [
        {"code": code, "name": names.get(code, code), "url": f"{path}?{urlencode({'lang': code})}"}
        for code in current_app.config["UI_LANGUAGES"]
    ]


def configure(app: Flask) -> None:
    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["UI_LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_DAYS * 86400,
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
                httponly=True,
                samesite="Lax",
            )
        return response

    @app.context_processor
    def switcher() -> dict:
        return {"language_links": language_links if len(app.config["UI_LANGUAGES"]) > 1 else None}

    # A page's language decides its content: caches must keep each apart (a file has one).
    @app.after_request
    def vary_on_language(response):
        if serves_a_file():
            return response
        if "Vary" in response.headers:
            response.vary.update(("Cookie", "Accept-Language"))
        else:  # most responses: set at once, without parsing a header that is not there
            response.headers["Vary"] = "Cookie, Accept-Language"
        return response
