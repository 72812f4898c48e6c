"""Answering, one stage after another: `condense` (a follow-up made standalone) -> `analysis`
(subjects, what is asked) -> `gather` (candidate chunks) -> `scoring` (every unit once, with
`match`, `scope` and `figures`) -> `compose` (the decision) -> `render` (the cited text) ->
`answerer` (streams it) -> `suggest` (follow-ups); `explain` shows why."""
