"""certs.py - makes the one throwaway PKI every TLS test uses (security,
interop, the client CLI's C test via `certs.py DIR`) with the openssl CLI: a
CA, a server certificate for 127.0.0.1/localhost, client certificates signed
by the CA, and a CA ("rogue-ca") plus client certificate it did not sign.
Keys never leave the test's temp dir."""

import os
import subprocess
import sys


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _ca(d, name):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


def _leaf(d, name, ca, cn, ext_lines):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write("\n".join(ext_lines) + "\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
             cwd=d)


def make_pki(d):
    """Creates the files in directory d; returns a dict name -> path."""
    _ca(d, "ca")
    _ca(d, "rogue-ca")
    _leaf(d, "server", "ca", "attuned-test",
          ["subjectAltName=IP:127.0.0.1,DNS:localhost",
           "extendedKeyUsage=serverAuth", "keyUsage=critical,digitalSignature"])
    for name, cn in (("client-assist", "console-1"), ("client-super", "dash-1"),
                     ("client-unmapped", "stranger")):
        _leaf(d, name, "ca", cn, ["extendedKeyUsage=clientAuth",
                                  "keyUsage=critical,digitalSignature"])
    _leaf(d, "client-rogue", "rogue-ca", "console-1",
          ["extendedKeyUsage=clientAuth", "keyUsage=critical,digitalSignature"])
    return {n: os.path.join(d, n) for n in os.listdir(d)}


def read(path):
    with open(path, "rb") as f:
        return f.read()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: certs.py DIR")
    make_pki(sys.argv[1])
