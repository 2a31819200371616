"""The programme: series, events, speakers, agenda and documents."""
