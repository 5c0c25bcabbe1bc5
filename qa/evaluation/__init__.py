"""Evaluation: question sets, scoring, reports, the LlamaIndex baseline and the benchmark.

`questionset` loads question sets and resolves hand-written gold quotes to lines; `scoring` answers a set and scores
retrieval, facts, citations, refusals and latency (`qa eval`); `report` renders runs; `charts` draws the SVG charts of
the reports, the benchmark pages and the app; `baseline` is LlamaIndex's defaults for comparison; `bench` measures
cost at several collection sizes (`qa bench`); `local_servers` starts the child servers (`chroma run`, the app,
llama.cpp's server with a packaged small model) that the benchmark, the LLM evaluation and the tests use.

Exports: `load_questions`, `QuestionSetError`, `run_eval`, `answer_all`, `summarize`, `by_kind`, `bench_main`,
`bench_arguments`, `free_port`, `wait_for_http`, `stop`, `start_llama`, `local_model`, `llama_server_available`, and
the charts `grouped_bars_svg`, `histogram_svg`, `pass_fail_bars_svg`, `dated_dots_svg`.
"""

from qa._lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "load_questions": "questionset", "QuestionSetError": "questionset", "run_eval": "scoring",
    "answer_all": "scoring", "summarize": "scoring",
    "by_kind": "scoring", "bench_main": "bench:main", "bench_arguments": "bench:add_arguments",
    "free_port": "local_servers", "wait_for_http": "local_servers", "stop": "local_servers",
    "grouped_bars_svg": "charts", "histogram_svg": "charts", "pass_fail_bars_svg": "charts", "dated_dots_svg": "charts",
    "start_llama": "local_servers", "local_model": "local_servers", "llama_server_available": "local_servers",
})
__all__ = __dir__()
