"""The demo programme: the Khartoum Process webinar series "The 4Ps Revisited" and its context.

The 4Ps series, the 7th Senior Officials' Meeting and the virtual meeting of July 2020 follow the
seed documents (dates, titles, speakers, attendance figures). The other meetings of November 2015 –
March 2020 add up to the Secretariat's figures for that period (meetings of each kind, delegates,
recommendations); their titles, places and dates are illustrative, and say so. The upcoming series
is invented, and says so, so that a fresh installation has something to register for. Delegates,
their attendance and the people who joined without registering are generated from a fixed seed,
so every load produces the same data.

The data is in data.py; loader.py loads it (`flask seed-demo`, `make run`).
"""

from .loader import DEMO_PASSWORD, create_demo_accounts, load_demo_programme, programme_is_empty

__all__ = ["DEMO_PASSWORD", "create_demo_accounts", "load_demo_programme", "programme_is_empty"]
