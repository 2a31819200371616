"""Fixtures that run the platforms' stand-ins; a test module imports those it uses."""

from __future__ import annotations

import pytest

from app.services.integrations import graph as graph_client
from app.services.integrations import zoom as zoom_client

from . import graph, webex, zoom


@pytest.fixture(scope="session")
def zoom_server():
    standin, server = zoom.start()
    yield standin
    server.shutdown()


@pytest.fixture
def zoom_standin(zoom_server):
    """The Zoom stand-in, emptied, and no token of an earlier test kept by the client."""
    zoom_server.reset()
    zoom_client.forget_tokens()
    yield zoom_server
    zoom_client.forget_tokens()


def zoom_settings(standin: zoom.ZoomStandIn) -> dict:
    """The app's configuration pointing at the stand-in, its credentials from the environment."""
    return {
        "ZOOM_API_URL": standin.url + "/v2",
        "ZOOM_OAUTH_URL": standin.url,
        "ZOOM_ACCOUNT_ID": standin.account_id,
        "ZOOM_CLIENT_ID": standin.client_id,
        "ZOOM_CLIENT_SECRET": standin.client_secret,
        "PLATFORM_MAX_WAIT": 5,
    }


@pytest.fixture(scope="session")
def graph_server():
    standin, server = graph.start()
    yield standin
    server.shutdown()


@pytest.fixture
def graph_standin(graph_server):
    graph_server.reset()
    graph_client.forget_tokens()
    yield graph_server
    graph_client.forget_tokens()


def graph_settings(standin: graph.GraphStandIn) -> dict:
    return {
        "GRAPH_API_URL": standin.url + "/v1.0",
        "GRAPH_LOGIN_URL": standin.url,
        "GRAPH_TENANT_ID": standin.tenant_id,
        "GRAPH_CLIENT_ID": standin.client_id,
        "GRAPH_CLIENT_SECRET": standin.client_secret,
    }


@pytest.fixture(scope="session")
def webex_server():
    standin, server = webex.start()
    yield standin
    server.shutdown()


@pytest.fixture
def webex_standin(webex_server):
    webex_server.reset()
    return webex_server


def webex_settings(standin: webex.WebexStandIn) -> dict:
    return {"WEBEX_API_URL": standin.url + "/v1", "WEBEX_TOKEN": standin.token}
