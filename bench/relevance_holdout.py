"""A second, held-out query set for the relevance benchmark (issue 20), over the same archive.

Written before the semantic stage (search/semantic) was built or run, by someone who had read
the twenty target Q&As but not tuned anything on these lines, and kept fixed since. Nothing
in the server was changed to suit them; they only show whether the figures of the first set
(bench/relevance_data.py) hold for queries nobody tuned on. One line per target, in
TARGETS order, two classes: ``reworded`` (other word forms and near-synonyms a person would
type) and ``natural`` (a question as a learner would ask it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Held:
    reworded: str
    natural: str


HOLDOUT = [
    Held(
        "rotate certificate on staging env",
        "the tls cert on staging is about to expire, what do I run?",
    ),
    Held(
        "postgres version upgrade with no downtime",
        "how can we go to the next big postgres version while staying online?",
    ),
    Held(
        "postmortem without blame",
        "what should an incident review document contain?",
    ),
    Held(
        "pod crash loop back off",
        "my kubernetes app dies right after it starts, how do I debug it?",
    ),
    Held(
        "prod db password location",
        "who keeps the credentials for the production database?",
    ),
    Held(
        "feature flag for one customer account",
        "how do I turn a feature on for only a single tenant?",
    ),
    Held(
        "swap on call shifts with colleague",
        "I'm on holiday during my pager week, how do I hand it over?",
    ),
    Held(
        "warehouse refresh schedule",
        "when does the analytics data get updated each day?",
    ),
    Held(
        "ssh to prod servers",
        "can I connect directly to a production server from my laptop?",
    ),
    Held(
        "app store submission checklist ios",
        "what steps come before releasing a new version of our iphone app?",
    ),
    Held(
        "custom grafana metric",
        "how do I get a new graph of my service's counters on a dashboard?",
    ),
    Held(
        "restore deleted object s3",
        "I removed a file from a bucket by mistake, is there a way to undo it?",
    ),
    Held(
        "flaky ci integration test",
        "why do the integration tests pass locally but sometimes fail on ci?",
    ),
    Held(
        "cursor pagination or offset pagination",
        "should an endpoint return pages by offset or by cursor?",
    ),
    Held(
        "cut cloud costs of idle dev environments",
        "how do we stop paying for development environments nobody uses at night?",
    ),
    Held(
        "firewall port opening for service",
        "who do I ask to allow traffic to my new service on a port?",
    ),
    Held(
        "hardware key for 2fa",
        "how do I order a security key for logging in?",
    ),
    Held(
        "catalogue search ranking",
        "how does the product search decide the order of results?",
    ),
    Held(
        "screen reader testing before release",
        "how do we check our app works with voiceover?",
    ),
    Held(
        "dead letter queue replay",
        "how can I republish failed messages from the dead-letter queue?",
    ),
]
