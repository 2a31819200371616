"""(Placeholder: the attendance pages are being written.)"""
