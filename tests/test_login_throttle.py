"""Failed logins slow the address that makes them, for that account only (issue 12, item 2):
20 wrong passwords from anywhere used to lock the owner out for an hour."""
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from red_property.accounts.throttle import LoginThrottle, delay_after
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def web_login(client, address, password, email="a-admin@test.cn"):
    token = csrf_token(client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def api_login(client, address, password, email="a-admin@test.cn"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app, world):
    attacker = app.test_client()
    statuses = [login(attacker, f"203.0.113.{n}", "guess").status_code
                for n in range(10) for login in (web_login, api_login) * 4]
    assert statuses.count(401) == 10 * 5 and set(statuses) == {401, 429}  # five free per address, then back-off
    owner = app.test_client()
    assert web_login(owner, "198.51.100.7", PASSWORD).status_code == 302
    assert api_login(owner, "198.51.100.7", PASSWORD).status_code == 201


def test_one_address_waits_twice_as_long_after_each_failure(app, client, world):
    address = "203.0.113.50"
    assert [api_login(client, address, "guess").status_code for _ in range(5)] == [401] * 5
    blocked = api_login(client, address, PASSWORD)  # the right password gets no answer while it waits
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    assert "retry in 1 s" in blocked.get_json()["message"]
    time.sleep(1.05)
    assert api_login(client, address, "guess").status_code == 401
    page = web_login(client, address, PASSWORD)
    assert page.status_code == 429 and page.headers["Retry-After"] == "2" and "2 秒后再试" in page.get_data(as_text=True)
    assert api_login(client, address, PASSWORD, email="a-staff@test.cn").status_code == 201  # other accounts: free
    time.sleep(2.05)
    assert api_login(client, address, PASSWORD).status_code == 201   # a success clears the count
    assert api_login(client, address, "guess").status_code == 401


class FakeStorage:
    """The part of a ``limits`` storage the throttle uses, on a clock the test moves."""

    def __init__(self, clock):
        self.clock, self.values, self.expires = clock, {}, {}

    def get(self, key):
        if self.expires.get(key, 0) <= self.clock():
            self.values.pop(key, None)
        return self.values.get(key, 0)

    def incr(self, key, expiry):
        if self.get(key) == 0:
            self.expires[key] = self.clock() + expiry
        self.values[key] = self.values.get(key, 0) + 1
        return self.values[key]

    def get_expiry(self, key):
        return self.expires.get(key, self.clock())

    def clear(self, key):
        self.values.pop(key, None)


ATTEMPT = st.tuples(st.sampled_from(["owner", "a1", "a2"]), st.sampled_from(["admin", "staff"]),
                    st.booleans(), st.floats(0, 40))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(ATTEMPT, max_size=60), st.integers(1, 6), st.sampled_from([8, 60, 900]))
def test_the_throttle_follows_its_rule_and_never_slows_the_owner(attempts, free, cap):
    """Any interleaving of attempts: an address waits exactly ``delay_after(failures)`` after
    its latest failure on an account before it may try that account again; an address that
    never fails is never refused."""
    now = [0.0]
    throttle = LoginThrottle(FakeStorage(lambda: now[0]), free=free, cap=cap, clock=lambda: now[0])
    failures, last_failure = {}, {}
    for who, account, correct, pause in attempts:
        now[0] += pause
        correct = correct or who == "owner"
        pair = (who, account)
        expected_wait = last_failure.get(pair, 0) + delay_after(failures.get(pair, 0), free, cap) - now[0]
        wait = throttle.retry_after(who, account)
        if failures.get(pair, 0) < free or expected_wait <= 0:
            assert wait is None, (pair, failures.get(pair), expected_wait)
        else:
            assert wait == -(-expected_wait // 1), (pair, wait, expected_wait)
            continue
        if correct:
            throttle.succeeded(who, account)
            failures[pair] = 0
        else:
            throttle.failed(who, account)
            failures[pair] = failures.get(pair, 0) + 1
            last_failure[pair] = now[0]
    assert all(failures.get(("owner", account), 0) == 0 for account in ("admin", "staff"))
