"""Varied texts the ONNX and torch embedders must embed alike: queries, code, docstrings,
unicode, whitespace, and passages longer than the 128-token window."""

from __future__ import annotations

LONG = (
    "Send an HTTP request. The request is built from the method, the URL and the keyword "
    "arguments, then sent through the client's transport with its default timeout, "
    "authentication, cookies and event hooks; redirects are followed when follow_redirects "
    "is true. Raises TimeoutException when the server is too slow, ConnectError when no "
    "connection can be made, and HTTPStatusError from raise_for_status on a 4xx or 5xx. "
) * 4

TEXTS: list[str] = [
    "read a csv file into a dataframe",
    "set a timeout on every request",
    "which exception is raised when the server is too slow to send the response data",
    "ReadTimeout",
    "read_csv",
    "httpx.Client.get(url, *, params=None, headers=None, cookies=None) -> Response",
    "polars.DataFrame.group_by(*by, maintain_order=False, **named_by) -> GroupBy",
    'def raise_for_status(self) -> Response:\n    """Raise the HTTPStatusError if one occurred."""',
    "class Widget(DOMNode):\n    can_focus: bool = False",
    "Args:\n    url: the URL to fetch.\n    timeout: seconds before giving up.\nReturns:\n    The response.",
    "Parameters\n----------\nsource : str | Path\n    Path to a file or a file-like object.",
    ":param str name: the name\n:raises ValueError: when the name is empty",
    "  leading and trailing spaces  ",
    "\ttabs\tand\nnewlines\n",
    "UPPER CASE QUERY ABOUT JSON DECODING",
    "CamelCaseIdentifierWithManyParts",
    "snake_case_identifier_with_many_parts",
    "a",
    "?",
    "🚀 emoji and ünïcödé àccents",
    "日本語のテキストを検索する",
    "Привет, как прочитать файл?",
    "x" * 600,
    "numbers 1234567890 3.14159 1e-9 0xff",
    "path/to/some/file.py:123",
    "https://www.python-httpx.org/advanced/timeouts/",
    "email: someone@example.com",
    "[x][y] mkdocstrings link and `backticked` name and :class:`Role`",
    "SELECT * FROM chunks WHERE library = 'httpx' ORDER BY score DESC",
    '{"json": [1, 2, 3], "nested": {"a": null}}',
    "how to keep cookies between requests",
    "difference between Client and AsyncClient",
    "what does jinja2.Environment.get_template return",
    "the base class of the error raised by Response.raise_for_status",
    "Iterate over the lines of the response body, decoded as text.",
    "Return a copy of the string with all the cased characters converted to lowercase.",
    "load a YAML document safely",
    "tokenize text into word pieces with a fast tokenizer",
    "progress bar for a loop",
    "compare two version strings",
    "lock a file across processes",
    "open a file on s3 with fsspec",
    "highlight python source code in the terminal",
    "render markdown in the terminal with rich",
    "define a command line option with click",
    "mount a route in a starlette application",
    LONG,
    LONG[:400],
    " ".join(f"word{i}" for i in range(300)),
    "",
]
