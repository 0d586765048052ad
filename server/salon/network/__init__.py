"""Learning networks: follows, the "For you" feed, the notifications inbox, calendars and
outbound webhooks."""
