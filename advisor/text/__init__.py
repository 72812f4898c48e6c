"""Words and sentences, the bottom of the house: the one word pipeline (`terms`: folding, stop
words, stems), text clean-up (`textutil`), the domain's word lists (`lexicon`, data only), the
question cues read from them (`cues`) and a chunk's quotable units (`units`)."""
