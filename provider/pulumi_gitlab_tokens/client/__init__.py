"""Talking to GitLab: the settings and python-gitlab client, the HTTP transport, GitLab's failures."""
