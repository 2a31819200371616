"""(Placeholder: the public summary pages and lists of participants are being written.)"""
