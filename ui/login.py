"""The login every page passes first when accounts are on (:mod:`ui.accounts` says when and how they are kept).

``gate()`` is called by ``app.py`` before anything else is drawn, and again by every page: Streamlit runs a page of
``pages/`` on its own, without ``app.py``, until the first session has loaded the main page (its multipage v1
fallback), so a gate in ``app.py`` alone would leave ``/library`` open on a freshly started server.
"""
from __future__ import annotations

from typing import Optional

import streamlit as st

from parsing.model import ReportError

from . import accounts
from .labels import md

SESSION_KEY = "account"


def required() -> bool:
    return accounts.accounts_on(st.get_option("server.address"))


def account() -> Optional[accounts.Account]:
    return st.session_state.get(SESSION_KEY)


def reviewer() -> Optional[str]:
    """Who is working: the account's username, or None without accounts (a reviewer on their own machine)."""
    a = account()
    return a.username if a is not None else None


def gate() -> Optional[accounts.Account]:
    """Without accounts: None. With accounts: the logged-in account, or the login form and ``st.stop()``.
    An account removed from the users file is logged out at its next step."""
    if not required():
        return None
    try:
        users = accounts.load_users()
    except ReportError as exc:
        st.error(md(exc.message))
        st.stop()
    a = account()
    if a is not None and a.username in users:
        return a
    st.session_state.pop(SESSION_KEY, None)
    _login_form(users)
    st.stop()


def _login_form(users: dict) -> None:
    st.title("政府信息公开年报审查")
    if not users:
        st.error("审查台已设为多人使用（需要登录），但还没有任何账号。请在服务器上运行下面的命令新建账号，然后刷新本页。")
        st.code("python -m ui.accounts add 用户名 --name 姓名", language="bash")
        return
    st.caption("请使用管理员为您创建的账号登录。")
    with st.form("login_form"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        result = accounts.THROTTLE.login(users, username, password)
        if isinstance(result, accounts.Account):
            st.session_state[SESSION_KEY] = result
            st.rerun()
        st.error(result)


def sidebar() -> None:
    """Who is logged in, and the button to log out (nothing without accounts)."""
    a = account()
    if a is None:
        return
    st.caption(f"已登录：{md(a.label)}")
    if st.button("退出登录", key="logout", icon=":material/logout:"):
        st.session_state.pop(SESSION_KEY, None)
        st.rerun()
