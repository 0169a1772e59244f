"""Derive resources/concepts/common-nouns.txt from WordNet 3.0 (Debian package wordnet-base).

Usage: /usr/bin/python3 scripts/concepts/make_common_nouns.py [WORDNET_DIR]   (stdlib only)

A noun lemma is kept when it
  * is a single lowercase word of letters (a hyphen inside is allowed), at least 3 characters;
  * has a non-zero sense-tagged frequency: the sum of the SemCor tag counts (cntlist.rev) over its
    noun senses. This is the frequency data behind index.noun's tagsense_cnt field (which itself only
    counts how many senses were tagged, so it is too coarse to rank by);
  * is not only a proper noun (some spelling in data.noun is lowercase);
  * has at least one tagged sense outside the most abstract lexicographer files (noun.attribute,
    .cognition, .feeling, .motive, .relation, .state), a cheap filter against vision-irrelevant words
    like "idea", "anger" or "ratio".
Ordered by that frequency (descending), then tagsense_cnt (descending), then alphabetically; the first
MAX_WORDS are written, one per line, LF.
"""
import os
import re
import sys

MAX_WORDS = 7000
WORD = re.compile(r"^[a-z]+(-[a-z]+)*$")
# Lexicographer file numbers (lexnames(5WN)) considered abstract.
ABSTRACT_LEX = {7, 9, 12, 16, 24, 26}
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "resources", "concepts", "common-nouns.txt")


def main(wn_dir="/usr/share/wordnet"):
    # index.noun: lemma pos synset_cnt p_cnt [ptr_symbol]*p_cnt sense_cnt tagsense_cnt synset_offset*
    tagsense = {}
    with open(os.path.join(wn_dir, "index.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):  # license header
                continue
            parts = line.split()
            p_cnt = int(parts[3])
            tagsense[parts[0]] = int(parts[5 + p_cnt])
    # data.noun: offset lex_filenum ss_type w_cnt(hex) [word lex_id]*w_cnt ...
    lowercase_seen, any_seen = set(), set()
    with open(os.path.join(wn_dir, "data.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            parts = line.split()
            for i in range(int(parts[3], 16)):
                word = re.sub(r"\(.*\)$", "", parts[4 + 2 * i])  # strip adjective markers like (a)
                any_seen.add(word.lower())
                if word == word.lower():
                    lowercase_seen.add(word)
    # cntlist.rev: sense_key sense_number tag_cnt; sense_key = lemma%ss_type:lex_filenum:lex_id:head:head_id
    freq, concrete = {}, set()
    with open(os.path.join(wn_dir, "cntlist.rev"), encoding="utf-8") as f:
        for line in f:
            key, _, cnt = line.split()
            lemma, rest = key.split("%", 1)
            ss_type, lex_filenum = rest.split(":")[:2]
            if ss_type != "1" or int(cnt) == 0:  # 1 = noun
                continue
            freq[lemma] = freq.get(lemma, 0) + int(cnt)
            if int(lex_filenum) not in ABSTRACT_LEX:
                concrete.add(lemma)
    words = [w for w in freq
             if w in tagsense and len(w) >= 3 and WORD.match(w) and w in lowercase_seen and w in concrete]
    words.sort(key=lambda w: (-freq[w], -tagsense[w], w))
    words = words[:MAX_WORDS]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(words) + "\n")
    print(f"wrote {os.path.relpath(OUT, REPO_ROOT)}: {len(words)} nouns "
          f"(of {len(freq)} tagged noun lemmas); lowest frequency kept {freq[words[-1]]}")


if __name__ == "__main__":
    main(*sys.argv[1:])
