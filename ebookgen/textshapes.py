"""What a line looks like, independent of any site: a scene break, punctuation debris."""

from __future__ import annotations

# A line of only these (and spaces), at least three marks, at most two kinds: a scene break
# ('* * *', '***', '---', '###', '◇◇◇', '~~~').
SCENE_BREAK_CHARS = set("*-_=~#◇◆○●•·※§+◈◎★☆")


def is_scene_break(line: str) -> bool:
    marks = line.strip().replace(" ", "")
    return len(marks) >= 3 and set(marks) <= SCENE_BREAK_CHARS and len(set(marks)) <= 2
