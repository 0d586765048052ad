"""Stop words per Snowball language: words too common to tell entries apart. A query drops
them unless it has nothing else ("how do I renew the cert?" searches "renew" and "cert"); the
index keeps them, so quoted phrases holding them still match. Languages without a list here
keep every word. Folded forms (lower case, no accents, straight apostrophes).

Negations are not stop words: "why is the build not working" and "no-blame" mean something
else without them, and an entry that holds the negation should rank above one that does not."""

from __future__ import annotations

ENGLISH = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    get gets got had has have having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is it it's its itself let's me more
    most my myself of off on once only or other ought our ours ourselves out over own same she
    she'd she'll she's should so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too
    under until up very was we we'd we'll we're we've were what what's when when's where
    where's which while who who's whom why why's with would you you'd you'll you're you've your
    yours yourself yourselves anyone someone something anything please thanks hi hello
    """.split()  # noqa: SIM905
)

GERMAN = frozenset(
    """
    aber alle als also am an auch auf aus bei bin bis bist da damit dann das dass dein der
    den des dem die dies diese dieser doch dort du durch ein eine einem einen einer eines er
    es euer fur hat hatte ich ihr im in ist ja jede jeder kann man mein mit muss nach
    noch nur ob oder ohne sein sie sind so soll uber um und uns unser von vor war
    was weil welche wenn wer wie wir wird wo zu zum zur
    """.split()  # noqa: SIM905
)

STOP_WORDS: dict[str, frozenset[str]] = {"english": ENGLISH, "german": GERMAN}
