"""(Placeholder: the summary pages are being written.)"""
