"""The platforms' tests: the app points at the stand-ins (tests/standins), with Zoom's
credentials from the environment's settings."""

from __future__ import annotations

import pytest

from tests.standins.fixtures import (
    graph_server,
    graph_settings,
    graph_standin,
    webex_server,
    webex_settings,
    webex_standin,
    zoom_server,
    zoom_settings,
    zoom_standin,
)

__all__ = ["graph_server", "graph_standin", "webex_server", "webex_standin", "zoom_server", "zoom_standin"]


@pytest.fixture
def app_config(zoom_server, graph_server, webex_server):
    return {**zoom_settings(zoom_server), **graph_settings(graph_server), **webex_settings(webex_server)}
