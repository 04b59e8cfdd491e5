"""Pure checks of parameter values, shared by the agents (every action) and by
``nfvd-ha validate`` (the definition). Each returns a problem text, or None."""


def control(value: str, what: str) -> str | None:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{what}: control characters are not allowed"
    return None


def absolute_path(value: str, what: str) -> str | None:
    if not value.startswith("/") or any(c.isspace() or not c.isprintable() for c in value) \
            or "/../" in value + "/" or len(value) > 1024:
        return f"{what} '{value}' must be an absolute path without spaces or '..'"
    return None


def in_range(value: int, low: int, high: int, what: str) -> str | None:
    if not low <= value <= high:
        return f"{what} {value} is not {low}-{high}"
    return None


def found(*problems: str | None) -> list[str]:
    """The problems that are there (None dropped)."""
    return [p for p in problems if p]


#: characters of a process_match pattern: path fragments, KEY=VALUE, dotted class names
_PATTERN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           "/._-=:@+,")
#: separators a pattern is made of (a pattern needs one: it says where or how a program
#: runs, never only a program's name)
PATTERN_SEPARATORS = "/=.:,@+"
#: words that name nothing in particular: system directories, interpreters, shells
GENERIC_WORDS = frozenset({
    "usr", "bin", "sbin", "lib", "lib32", "lib64", "libexec", "opt", "var", "etc", "tmp",
    "run", "srv", "home", "root", "local", "share", "proc", "sys", "dev", "mnt", "media",
    "java", "javaw", "jre", "jdk", "jvm", "python", "python3", "perl", "ruby", "node",
    "bash", "dash", "zsh", "ksh", "sh", "sudo", "env", "log", "logs", "data", "conf",
    "config", "jar", "jars", "class", "classes", "main", "server", "service", "daemon",
    "true", "false", "none", "null", "bootstrap", "classpath"})
MIN_TOKEN = 4  # characters of the distinctive word a pattern needs


def _words(pattern: str) -> list[str]:
    for sep in PATTERN_SEPARATORS:
        pattern = pattern.replace(sep, " ")
    return pattern.split()


def process_pattern(value: str, what: str) -> str | None:
    """Why ``value`` cannot select the processes of a resource (a stop signals what it
    matches), or None: letters, digits and / . _ - = : @ + , only; at least one separator
    (a path fragment, KEY=VALUE or a dotted name - "ServiceActivator/EP/SOSA",
    "-Dsosa.home=/opt/sosa" - never a bare program name); and a distinctive word: one of
    4 characters or more, with a letter, that is not a system directory, interpreter or
    shell ("/", "/usr/bin", "java" and "sshd" are refused)."""
    if not value or len(value) > 256 or any(c not in _PATTERN_CHARS for c in value):
        return (f"{what} '{value}' may hold only letters, digits and / . _ - = : @ + , "
                "(1-256 characters)")
    if not any(c in PATTERN_SEPARATORS for c in value):
        return (f"{what} '{value}' is a bare name: give a path fragment or KEY=VALUE of the "
                "command line (ServiceActivator/EP/SOSA), not a program's name")
    if not any(len(w) >= MIN_TOKEN and any(c.isalpha() for c in w)
               and w.lower() not in GENERIC_WORDS for w in _words(value)):
        return (f"{what} '{value}' names nothing distinctive (it needs a word of "
                f"{MIN_TOKEN}+ characters that is not a system directory, interpreter or "
                "shell): it would select unrelated processes")
    return None
