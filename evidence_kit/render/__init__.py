"""Headless page rendering with QtWebEngine: the one place outside gui/ that imports Qt."""
