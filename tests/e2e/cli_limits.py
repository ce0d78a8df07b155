"""Memory caps for CLI runs in the hostile-input tests, shared by test_mutations and
test_yaml_test_suite."""
import os
from pathlib import Path

MEMORY_LIMIT = 2 << 30  # bytes of address space for each CLI run


def _is_asan(binary):
    try:
        return b"__asan_init" in Path(binary).read_bytes()
    except (OSError, TypeError):
        return False


IS_ASAN = _is_asan(os.environ.get("POWERSHIFT_BIN"))


def limited(**kwargs):
    """subprocess.run keyword arguments that cap the CLI's memory, so that an input that makes it
    allocate without end fails fast instead of taking the machine down: RLIMIT_AS for a plain
    build, ASan's hard_rss_limit_mb for an ASan build (which reserves terabytes of shadow
    address space and cannot run under RLIMIT_AS)."""
    if IS_ASAN:
        env = dict(os.environ)
        opts = env.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + f"hard_rss_limit_mb={MEMORY_LIMIT >> 20}"
        return dict(kwargs, env=env)
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return dict(kwargs, preexec_fn=cap)
