"""The registrations of an event or a series: table, actions, exports.

(Placeholder: the full pages are being written.)
"""
