"""The video platforms (Zoom, Microsoft Teams, Webex): the programme's credentials, an event
linked to its meeting, and the participant report fetched into an attendance import."""
