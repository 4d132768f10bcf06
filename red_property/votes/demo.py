"""Demo owner votes of a committee: one carried, one that too few owners took part in, a fund-raising
vote short of three quarters, and an election still open for ballots."""
from __future__ import annotations

import random

from sqlalchemy import select, update

from red_property.core import clock
from red_property.votes import services
from red_property.votes.models import Ballot, Choice, ProposalKind

# (title, kind, share of owners taking part, share of them for, close it)
VOTES = [
    ("关于续筹专项维修资金的表决", ProposalKind.RAISE_FUND, 0.86, 0.66, True),                # fails the 3/4 bar
    ("关于使用专项维修资金更换3栋电梯的表决", ProposalKind.USE_FUND, 0.55, 0.82, True),        # fails participation
    ("关于使用公共收益向全体业主分配结余的表决", ProposalKind.PUBLIC_INCOME, 0.81, 0.74, True),  # carried
    ("关于选举第二届业主委员会委员的表决", ProposalKind.ELECT_COMMITTEE, 0.38, 0.9, False),     # ballots coming in
]


def add_demo_votes(s, rng: random.Random, today) -> int:
    """Create the votes; returns the id of the carried public-income vote."""
    carried = None
    for title, kind, taking_part, for_share, close in VOTES:
        vote = services.create_vote(s, title=title, kind=kind,
                                    description=f"依据《民法典》第二百七十八条，由业主共同决定。表决期间：{today.year}年。")
        services.open_vote(s, vote)
        ballots = list(s.scalars(select(Ballot.id).where(Ballot.vote_id == vote.id).order_by(Ballot.id)))
        rng.shuffle(ballots)
        voters = ballots[:round(len(ballots) * taking_part)]
        yes = round(len(voters) * for_share)
        rest = voters[yes:]
        groups = {Choice.FOR: voters[:yes], Choice.AGAINST: rest[:len(rest) * 2 // 3],
                  Choice.ABSTAIN: rest[len(rest) * 2 // 3:]}
        for choice, ids in groups.items():
            if ids:
                s.execute(update(Ballot).where(Ballot.id.in_(ids)).values(choice=choice, cast_at=clock.now())
                          .execution_options(synchronize_session=False))
        s.commit()
        if close:
            services.close_vote(s, vote)
        if kind == ProposalKind.PUBLIC_INCOME:
            carried = vote.id
    return carried
