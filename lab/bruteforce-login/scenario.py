# bruteforce-login: the lesson is in README.md next to this file.
import os

from labkit import (FAILS, WORKS, GuessPasswords, LoginBan, Phase, Scenario, ServerSetup, check,
                    client_failed, client_ok, command, diagnostic, failed_logins_from,
                    output_has, replies, sessions)

USERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "users.txt")  # alice:sunshine
WORDLIST = ("123456", "password", "qwerty", "letmein", "alice", "alice123", "dragon",
            "monkey", "sunshine")          # 8 wrong ones, then alice's
BAN = LoginBan("server", maxretry=3, port=21)


def banned_client():
    """banwatch's log (fail2ban.log) names the client's address as banned."""
    def fn(ev):
        who = ev.resolve("@client")
        return who in BAN.banned, "banwatch banned: %s" % (", ".join(BAN.banned) or "nobody")
    return check("the ban watcher banned @client", fn)


scenario = Scenario(
    order=12,
    title="Guessing a password (brute force) and a fail2ban",
    lesson="FTP passwords cross the wire in clear text, so every guess is in the capture; "
           "a server slows guesses down and closes the session, only a per-address ban "
           "(fail2ban) stops them",
    layout="direct",
    server=ServerSetup(anonymous="off",
                       files={"notes.txt": "alice's notes: change the FTP password!\n"},
                       ftplab_args=("--users", USERS)),
    servers=("ftplab",),
    clients=("ftplib", "curl"),
    not_with={
        "vsftpd": "vsftpd checks local users' passwords with PAM against this machine's "
                  "own accounts; the lab would have to add a user to the host's "
                  "/etc/passwd, which it does not do (it changes nothing outside its "
                  "namespaces). ftplab-server takes its users from a file",
        "lftp": "lftp's exit status does not tell a refused login from a refused "
                "connection, which the guessing loop needs to stop when it is banned; "
                "use --client ftplib or curl"},
    # the passwords in clear (the lesson), and the server's 1 s delay after each failed
    # login flagged as slow-reply
    analyzer_args=("--show-passwords", "--slow-reply", "500"),
    phases=[
        Phase(
            "guess alice's password from a list of 9",
            tag="guess",
            action=GuessPasswords("alice", WORDLIST),
            expect=WORKS,
            because="the 9th password of the list was alice's: 8 wrong guesses cost the "
                    "attacker 8 seconds (ftplab-server answers a wrong password after 1 s) "
                    "and a few reconnections (it closes the session after 3 failures), "
                    "nothing stopped the 9th",
            checks=[
                client_ok(),
                replies("PASS", on="wire", code=530, at_least=8, at_most=8),
                failed_logins_from(on="wire", client="@client", at_least=8),
                sessions(on="wire", login="failed", at_least=2),
                sessions(on="wire", login="ok", at_least=1, at_most=1),
                diagnostic("cleartext-credentials", on="wire", user="alice"),
                command("PASS", on="wire", arg="^sunshine$", reply_code=230),
                diagnostic("slow-reply", on="wire", command="PASS"),
            ],
        ),
        Phase(
            "the same attack, with a fail2ban on the server",
            tag="banned",
            middleboxes=[BAN],
            action=GuessPasswords("alice", WORDLIST),
            expect=FAILS,
            because="after 3 failed logins from 192.0.2.2 in the server's log, the ban "
                    "watcher added an iptables rule refusing that address's new "
                    "connections: the attacker's next connection was refused after its "
                    "3rd guess, and it never reached the 9th",
            checks=[
                client_failed(),
                output_has(r"(?i)connection refused|couldn't connect|failed to connect",
                           "the client's next connection was refused"),
                banned_client(),
                replies("PASS", on="wire", code=530, at_least=3, at_most=3),
                sessions(on="wire", login="ok", at_least=0, at_most=0),
                diagnostic("cleartext-credentials", on="wire", user="alice"),
            ],
        ),
    ],
    timeout=60,
    explore=(
        "./ftplab lab shell bruteforce-login server -c 'iptables -S f2b-ftp'   # the ban",
        "./ftplab lab shell bruteforce-login client -c 'curl -v -u alice:sunshine "
        "ftp://@server/'   # refused: the client is banned",
    ),
)
