"""Reviewer accounts, for serving the dashboard to an office: a users file of hashed passwords, and the login check.

Accounts are on when the dashboard is reachable from other machines (``server.address`` anything but a loopback
address, or unset, which Streamlit binds to every interface) or when ``GOVREPORT_USERS`` names a users file; then
every page asks for a login first (:mod:`ui.login`), and each decision and correction records the account.

The users file (``GOVREPORT_USERS``, default ``data/users.json``, created with mode 0600) holds for each username a
display name and an scrypt hash (``hashlib.scrypt``, n=2**14, r=8, p=1, 16-byte random salt); no password is
stored. Five wrong passwords in a row lock a username for five minutes (per server process). Manage it with::

    python -m ui.accounts add 用户名 [--name 显示名]      # asks for the password twice
    python -m ui.accounts passwd 用户名
    python -m ui.accounts remove 用户名
    python -m ui.accounts list

Plain Python, no Streamlit.
"""
from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

from parsing.model import ReportError

ENV_VAR = "GOVREPORT_USERS"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "users.json"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD = 8
MAX_FAILURES = 5
LOCKOUT_SECONDS = 300
_USERNAME = re.compile(r"[\w.\-]{1,32}")

MSG_WRONG = "用户名或密码不正确。"
MSG_LOCKED = "该用户连续 {n} 次密码错误，已暂时锁定，请 {minutes} 分钟后再试。"


@dataclass(frozen=True)
class Account:
    username: str
    name: str

    @property
    def label(self) -> str:
        return self.name if self.name == self.username else f"{self.name}（{self.username}）"


def users_path() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_PATH


def accounts_on(address: Optional[str]) -> bool:
    """Whether reviewers must log in: a users file is named (``GOVREPORT_USERS``), or the server listens on
    anything but loopback (``address`` None or '' is Streamlit's default: every interface)."""
    if os.environ.get(ENV_VAR):
        return True
    return (address or "").strip().strip("[]") not in LOOPBACK


# ---------------------------------------------------------------------------
# Passwords
# ---------------------------------------------------------------------------

def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of ``password``."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant time; False for a malformed one)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(got, want)


# What an unknown username's password is checked against, so that it takes as long as a known one's:
# hash_password("", salt=16 zero bytes), written out rather than computed at import (one scrypt, about 0.1 s, on
# every start of the dashboard); tests/test_accounts.py recomputes it.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$qvz1XkWUdv9r5vB2UucTp/UVJ5rkQ51uGEZfRdILG7M="


# ---------------------------------------------------------------------------
# The users file
# ---------------------------------------------------------------------------

def load_users(path: Union[str, os.PathLike, None] = None) -> dict[str, dict]:
    """username -> {"name", "password"}; {} when the file does not exist. Raises :class:`ReportError` for a file
    that cannot be read."""
    p = Path(path) if path is not None else users_path()
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        users = data["users"]
        if not isinstance(users, dict):
            raise TypeError("users is not an object")
        return {str(u): {"name": str(v.get("name") or u), "password": str(v["password"])} for u, v in users.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportError(f"账号文件“{p}”无法读取，请检查文件内容或重新创建账号。", details=str(exc)) from exc


def save_users(users: dict[str, dict], path: Union[str, os.PathLike, None] = None) -> Path:
    """Write the users file atomically, readable by its owner only (0600; its folder 0700 when created)."""
    p = Path(path) if path is not None else users_path()
    if not p.parent.exists():
        p.parent.mkdir(parents=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".users-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "users": users}, fh, ensure_ascii=False, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return p


def check_new(username: str, password: str) -> None:
    if not _USERNAME.fullmatch(username or ""):
        raise ReportError("用户名须为 1–32 个字母、数字、汉字或 . _ -。")
    if len(password) < MIN_PASSWORD:
        raise ReportError(f"密码至少 {MIN_PASSWORD} 个字符。")


def add_user(username: str, password: str, name: Optional[str] = None,
             path: Union[str, os.PathLike, None] = None, replace: bool = False) -> None:
    check_new(username, password)
    users = load_users(path)
    if username in users and not replace:
        raise ReportError(f"用户“{username}”已存在；修改密码请用 passwd 命令。")
    old = users.get(username, {})
    users[username] = {"name": (name or old.get("name") or username).strip(), "password": hash_password(password)}
    save_users(users, path)


def remove_user(username: str, path: Union[str, os.PathLike, None] = None) -> None:
    users = load_users(path)
    if username not in users:
        raise ReportError(f"没有用户“{username}”。")
    del users[username]
    save_users(users, path)


# ---------------------------------------------------------------------------
# Logging in
# ---------------------------------------------------------------------------

class Throttle:
    """Wrong passwords per username: after :data:`MAX_FAILURES` in a row the username is locked for
    :data:`LOCKOUT_SECONDS` (``clock`` is injectable for tests). One per server process, shared by sessions."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def login(self, users: dict[str, dict], username: str, password: str) -> Union[Account, str]:
        """The account, or the Chinese message to show."""
        username = (username or "").strip()
        with self._lock:
            until = self._locked_until.get(username, 0.0)
            if until > self.clock():
                minutes = max(1, round((until - self.clock()) / 60))
                return MSG_LOCKED.format(n=MAX_FAILURES, minutes=minutes)
        user = users.get(username)
        ok = verify_password(password or "", user["password"] if user else _DUMMY) and user is not None
        with self._lock:
            if ok:
                self._failures.pop(username, None)
                self._locked_until.pop(username, None)
                return Account(username, user["name"])
            n = self._failures.get(username, 0) + 1
            self._failures[username] = n
            if n >= MAX_FAILURES:
                self._failures[username] = 0
                self._locked_until[username] = self.clock() + LOCKOUT_SECONDS
                return MSG_LOCKED.format(n=MAX_FAILURES, minutes=LOCKOUT_SECONDS // 60)
        return MSG_WRONG


THROTTLE = Throttle()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ReportError("两次输入的密码不一致。")
    return first


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.accounts",
                                     description="管理审查人员账号（多人通过网络使用审查台时需要登录）。"
                                                 f"账号文件：环境变量 {ENV_VAR}，默认 data/users.json。")
    parser.add_argument("--file", help="账号文件路径（默认取环境变量或 data/users.json）")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    add = sub.add_parser("add", help="新建账号（提示输入两次密码）")
    add.add_argument("username", help="用户名（字母、数字、汉字或 . _ -）")
    add.add_argument("--name", help="显示名，例如姓名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    pw = sub.add_parser("passwd", help="修改密码")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    rm = sub.add_parser("remove", help="删除账号")
    rm.add_argument("username")
    sub.add_parser("list", help="列出账号")
    args = parser.parse_args(argv)
    path = Path(args.file) if args.file else users_path()
    try:
        if args.command == "add":
            add_user(args.username, _read_password(args.password_stdin), args.name, path)
            print(f"已新建账号“{args.username}”（账号文件：{path}）。")
        elif args.command == "passwd":
            if args.username not in load_users(path):
                raise ReportError(f"没有用户“{args.username}”。")
            add_user(args.username, _read_password(args.password_stdin), None, path, replace=True)
            print(f"已修改“{args.username}”的密码。")
        elif args.command == "remove":
            remove_user(args.username, path)
            print(f"已删除账号“{args.username}”。")
        else:
            users = load_users(path)
            if not users:
                print(f"没有账号（账号文件：{path}）。")
            for u, v in sorted(users.items()):
                print(f"{u}\t{v['name']}")
    except ReportError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
