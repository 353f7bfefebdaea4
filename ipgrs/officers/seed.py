"""Demo officers: one for every post of every department in every jurisdiction of the post's level,
with plausible Karnataka names, so any grievance filed in the demo reaches a named officer."""
from __future__ import annotations

import random

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..catalog.models import Department, District, Post, Taluk
from .models import Officer, Posting

FIRST = ["Anitha", "Basavaraj", "Chandrashekar", "Deepa", "Girish", "Harsha", "Jyothi", "Kavitha", "Lakshmi", "Manjunath",
         "Nagaraj", "Pavithra", "Prakash", "Raghavendra", "Ramesh", "Rekha", "Santosh", "Shilpa", "Shivakumar", "Sowmya",
         "Srinivas", "Sunitha", "Suresh", "Vani", "Veena", "Venkatesh", "Vidya", "Vinay", "Yashodha", "Mohammed", "Ayesha",
         "Joseph", "Mary", "Farzana", "Imran", "Shankar", "Bhavya", "Kiran", "Mahesh", "Nandini"]
LAST = ["Gowda", "Hegde", "Kulkarni", "Patil", "Rao", "Shetty", "Naik", "Reddy", "Murthy", "Desai", "Joshi", "Bhat",
        "Hiremath", "Kamath", "Pai", "Nayak", "Prasad", "Swamy", "Angadi", "Khan", "D'Souza", "Poojary", "Kumar", "Math"]


def seed_officers(session: Session, seed: int = 1902) -> int:
    """Creates the officers and postings that are missing (idempotent per post and jurisdiction). Returns the count added."""
    rng = random.Random(seed)
    districts = session.scalars(select(District).order_by(District.id)).all()
    taluks = session.scalars(select(Taluk).order_by(Taluk.id)).all()
    posts = session.scalars(select(Post).join(Department).where(Post.active, Department.active).order_by(Post.id)).all()
    existing = set(session.execute(select(Posting.post_id, Posting.district_id, Posting.taluk_id)).all())
    wanted = []
    for post in posts:
        places = ([(t.district_id, t.id) for t in taluks] if post.level == "taluk"
                  else [(d.id, None) for d in districts] if post.level == "district" else [(None, None)])
        wanted += [(post.id, d, t) for d, t in places if (post.id, d, t) not in existing]
    if not wanted:
        return 0
    start = (session.scalar(select(func.max(Officer.id))) or 0) + 1
    officers = []
    for i, _ in enumerate(wanted):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        officers.append({"id": start + i, "name": f"{first} {last}", "active": True,
                         "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}.{start + i}@officers.demo.ipgrs.invalid"})
    session.execute(insert(Officer), officers)
    session.execute(insert(Posting), [
        {"officer_id": start + i, "post_id": post_id, "district_id": d, "taluk_id": t, "active": True, "additional_charge": False}
        for i, (post_id, d, t) in enumerate(wanted)])
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequence past them
        session.execute(func.setval("officer_id_seq", start + len(wanted) - 1).select())
    session.commit()
    return len(wanted)
