"""Which language a page or an email is shown in."""

from flask import current_app, has_request_context, request


def select_locale() -> str:
    """The ?lang= choice, else the browser's preference, among the translated languages."""
    languages = current_app.config["UI_LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or default


def email_locale(language: str) -> str:
    """The delegate's language for an email, when the interface is translated into it."""
    if language in current_app.config["UI_LANGUAGES"]:
        return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
