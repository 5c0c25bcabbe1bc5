"""One settings object: defaults that work offline, overridden by QA_* environment variables (and OPENAI_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=None, extra="ignore")

    articles_dir: Path = PROJECT_ROOT / "store" / "articles"
    store_dir: Path = PROJECT_ROOT / "store" / "chroma"
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "articles"
    # Server mode: the longest wait for any one reply of the Chroma server (a hung server becomes a clear error),
    # how long the ingest lock stored in the server lasts unless its holder renews it (a killed ingest frees it
    # after this), and how often at most a process checks the index version before a question.
    chroma_timeout_s: float = Field(default=30.0, gt=0)
    ingest_lock_ttl_s: float = Field(default=60.0, ge=4)
    freshness_s: float = Field(default=5.0, ge=0)

    # Retrieval and answering
    top_k: int = Field(default=8, ge=1, le=50)
    answer_mode: str = "auto"  # "extractive", "llm", or "auto" (llm when an API key or base URL is configured)
    max_file_bytes: int = 5_000_000

    # Embeddings: "minilm" (bundled, offline) or "openai"
    embedding: str = "minilm"
    openai_embedding_model: str = "text-embedding-3-small"

    # LLM mode (any OpenAI-compatible server)
    openai_api_key: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "QA_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "QA_OPENAI_BASE_URL"))
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=60.0, gt=0)  # the whole exchange, not one read
    llm_prompt_tokens: int = Field(default=1000, ge=200)  # prompt budget: best-ranked source sentences until full
    llm_max_tokens: int = Field(default=160, ge=16)  # reply cap on every request: a short cited answer
    # The reply ends at these (JSON list; at most 4, the OpenAI limit): end-of-turn tokens that a server without the
    # model's chat template would otherwise let through, so a small model cannot run on into a turn of its own.
    llm_stop: list[str] = Field(
        default_factory=lambda: ["<|im_end|>", "<|im_start|>", "<end_of_turn>", "<|eot_id|>"], max_length=4)

    # The web app: the port `python app.py` and `qa serve` listen on unless --port says otherwise
    port: int = Field(default=7860, ge=0, le=65535)

    # Evaluation: the question sets the app's Evaluate tab and /evaluate offer (CONTRACT.md format)
    question_sets_dir: Path = PACKAGE_DIR / "evaluation" / "questions"

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    @property
    def cache_dir(self) -> Path:
        """Tables built from the index (qa/index/retrieval.py), local to this machine in server mode too."""
        return self.store_dir / "cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
