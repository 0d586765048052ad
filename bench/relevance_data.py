"""The fixed learner-query benchmark of issue 20: an archive of 40 sessions and 60 queries.

Written before the ranking was tuned and kept fixed since: change it and the figures in
docs/benchmarks-archive.md no longer compare. Twenty target Q&As each have three queries:
``exact`` (the answer's own keywords), ``reworded`` (other forms of the same words: plurals,
-ing forms, a word order), ``natural`` (a question as a learner would type it, in other
words). The rest of the archive is there to be mistaken for them: other Q&As about the same
systems, sessions whose titles hold the query words, and chat that mentions them in passing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    session: str  # session title
    question: str
    answer: str
    exact: str
    reworded: str
    natural: str


TARGETS = [
    Target(
        "Platform office hours: certificates",
        "What is the procedure for certificate rotation on staging?",
        "Run certctl rotate --env staging. The ingress picks up the new certificate within "
        "five minutes; check the expiry date on the status page afterwards.",
        "certificate rotation staging",
        "rotating staging certificates",
        "how do we rotate the staging certs?",
    ),
    Target(
        "Postgres upgrades",
        "How do we upgrade the PostgreSQL major version without downtime?",
        "Use logical replication to a new cluster on the new version, let it catch up, then "
        "switch the connection pooler over during a quiet hour.",
        "postgresql major version upgrade",
        "upgrading postgresql major versions",
        "what's the way to move our database to a newer postgres release?",
    ),
    Target(
        "Incident reviews",
        "What does a no-blame postmortem look like here?",
        "We write the timeline first, name systems and decisions rather than people, and end "
        "with follow-up tickets that each have an owner.",
        "no-blame postmortem",
        "blameless postmortems",
        "how should I write up an incident without blaming anyone?",
    ),
    Target(
        "Kubernetes basics",
        "Why is my pod stuck in CrashLoopBackOff?",
        "The container exits right after starting. Read kubectl logs --previous for the crash "
        "and check that the liveness probe does not fire before the app is ready.",
        "pod crashloopbackoff",
        "pods stuck crashlooping",
        "my container keeps restarting over and over, what's wrong?",
    ),
    Target(
        "Secrets management",
        "Where are the production database passwords stored?",
        "In Vault under kv/prod/db. Ask the platform team for a policy; never copy them into "
        "environment files.",
        "production database passwords vault",
        "storing prod database password",
        "where do I find the password for the prod db?",
    ),
    Target(
        "Frontend guild",
        "How do we enable feature flags for a single customer?",
        "Open the flag in the flags console, add a targeting rule on the customer's account "
        "id, and save; the SDK refreshes within a minute.",
        "feature flags single customer",
        "enabling a feature flag for one customer",
        "can I switch on a flag just for one client account?",
    ),
    Target(
        "On-call onboarding",
        "How do I swap an on-call shift with a colleague?",
        "In the paging tool open the schedule, choose override, pick the colleague and the "
        "hours; both of you get a confirmation.",
        "swap on-call shift",
        "swapping on-call shifts",
        "what if I can't do my on-call week, can someone take it?",
    ),
    Target(
        "Data team Q&A",
        "How often is the analytics warehouse refreshed?",
        "The nightly load runs at 02:00 UTC; the sales tables also refresh hourly during "
        "business hours.",
        "analytics warehouse refreshed",
        "refresh of the analytics warehouse",
        "how fresh is the data in our analytics warehouse?",
    ),
    Target(
        "Security champions",
        "Isn't SSH access to production forbidden?",
        "Direct SSH is off; use the bastion through the access portal, which records the "
        "session and expires after eight hours.",
        "ssh access production",
        "ssh-ing into production servers",
        "is it allowed to log into prod machines with ssh?",
    ),
    Target(
        "Mobile releases",
        "What's the checklist before submitting the iOS app to the App Store?",
        "Bump the build number, run the release smoke tests, update the screenshots if the "
        "UI changed and attach the privacy questionnaire.",
        "ios app store checklist",
        "submitting ios apps checklist",
        "what do I need to do before we ship the iphone app?",
    ),
    Target(
        "Observability",
        "How do I add a custom metric to the Grafana dashboards?",
        "Expose it from the service with the Prometheus client, wait for the scrape, then add "
        "a panel with the metric name in the team's dashboard folder.",
        "custom metric grafana dashboard",
        "adding custom metrics to grafana",
        "how can I chart my own numbers in grafana?",
    ),
    Target(
        "Backups and restores",
        "How do we restore a deleted S3 bucket object?",
        "Versioning is on for every bucket: list the object versions, then copy the version "
        "before the delete marker back in place.",
        "restore deleted s3 object",
        "restoring deleted objects in s3 buckets",
        "someone deleted a file from our s3 bucket, can we get it back?",
    ),
    Target(
        "CI pipelines",
        "Why are the integration tests flaky on the CI runners?",
        "They share one database container; the fix is a database per job, which the new "
        "runner image does. Rebase on main to get it.",
        "flaky integration tests ci runners",
        "flakiness of integration tests on ci",
        "our tests randomly fail in the pipeline, why does that happen?",
    ),
    Target(
        "API design review",
        "Should new endpoints use pagination with cursors or offsets?",
        "Cursors: offsets get slow on big tables and skip rows when items are inserted while "
        "paging.",
        "pagination cursors offsets",
        "cursor-based pagination versus offset",
        "what is the best way to page through long lists in the api?",
    ),
    Target(
        "Cost review",
        "How can we reduce the cloud bill for idle development environments?",
        "Schedule them to scale to zero outside working hours with the env-sleeper job; it "
        "cut the dev bill by a third last quarter.",
        "reduce cloud bill idle development environments",
        "reducing cloud costs of idle dev environments",
        "our dev machines cost a lot when nobody uses them, how do we save money?",
    ),
    Target(
        "Networking 101",
        "How do I open a firewall port for a new service?",
        "Add the port to the service's network policy in the infra repository and open a "
        "pull request; the network team reviews it the same day.",
        "open firewall port new service",
        "opening firewall ports for services",
        "my new service can't be reached, who opens the port?",
    ),
    Target(
        "Laptop and tooling",
        "How do I get a hardware security key for two-factor login?",
        "Order it on the IT portal under accessories; enrol it at the help desk, and keep a "
        "second key as a backup.",
        "hardware security key two-factor",
        "getting hardware keys for two-factor authentication",
        "where can I get one of those usb keys for logging in?",
    ),
    Target(
        "Search team demo",
        "How are search results ranked in the product catalogue?",
        "BM25 on titles and descriptions, boosted by sales in the last thirty days, with "
        "out-of-stock items pushed down.",
        "search results ranked catalogue",
        "ranking of catalogue search results",
        "why does the shop search show these products first?",
    ),
    Target(
        "Accessibility clinic",
        "How do we test screen reader support before a release?",
        "Run the axe checks in CI, then do a manual pass with VoiceOver and NVDA on the main "
        "flows using the checklist in the design system.",
        "test screen reader support",
        "testing screen readers",
        "how can I check that blind users can use our pages?",
    ),
    Target(
        "Queue operations",
        "How do I replay messages from the dead letter queue?",
        "Use the dlq-replay tool with the queue name and a time range; it republishes the "
        "messages to the original topic and keeps a copy.",
        "replay dead letter queue messages",
        "replaying dead-lettered messages",
        "some messages failed and ended up in the dlq, how do I resend them?",
    ),
]

# The other twenty sessions: titles that hold query words, each with four Q&As that share the
# targets' vocabulary but answer something else.
OTHER_SESSIONS = [
    ("Certificates for customers", "certificate"),
    ("Staging environment tour", "staging"),
    ("Database performance", "database"),
    ("Postmortem practice", "postmortem"),
    ("Kubernetes networking", "pod"),
    ("Vault deep dive", "vault"),
    ("Feature flag hygiene", "flag"),
    ("On-call retro", "on-call"),
    ("Warehouse modelling", "warehouse"),
    ("Production access", "production"),
    ("App Store review", "app"),
    ("Dashboards for managers", "dashboard"),
    ("S3 lifecycle rules", "bucket"),
    ("Test strategy", "tests"),
    ("API versioning", "api"),
    ("Cloud budgets", "cloud"),
    ("Firewall rules", "firewall"),
    ("Security keys rollout", "key"),
    ("Search analytics", "search"),
    ("Queues and topics", "queue"),
]

# Q&As about the same nouns that answer other things: {x} is the session's word.
OTHER_QUESTIONS = [
    (
        "Who owns the {x} documentation?",
        "The platform team owns it; send changes as pull requests to the handbook.",
    ),
    (
        "Is there a training video about the {x}?",
        "Yes, last year's recording is linked from the learning portal.",
    ),
    (
        "Which team do I ask when the {x} is broken at night?",
        "Page the on-duty engineer of the owning team through the incident channel.",
    ),
    (
        "How much does the {x} cost us per month?",
        "Finance publishes the figure in the monthly cost report, per team.",
    ),
]

# Chat lines; {x} is a word of the session, so chat mentions the query words in passing.
CHAT = [
    "good morning everyone",
    "can you share the slides about the {x} afterwards?",
    "the {x} page in the wiki is out of date",
    "+1 to that question about the {x}",
    "I had trouble with the {x} last week too",
    "is this session recorded?",
    "thanks, that {x} tip is really useful",
    "we should write the {x} steps down somewhere",
    "anyone else going to the {x} workshop next week?",
    "lunch after this?",
    "link to the {x} runbook please",
    "my team is migrating the {x} next sprint",
    "sound is a bit low",
    "so the {x} thing was a config problem in the end",
    "great session, thank you",
]
CHAT_PER_SESSION = 30  # 1,200 messages over 40 sessions
