"""Fonts, the demo sample, the help, the indicator library and icons, shipped as package data
(desk.data.resources)."""
