"""The independent AS4 peer for Haven's interoperability tests: the PyPI `as4` package
(dbkosky/as4, pinned in scripts/as4-requirements.txt) driven from the Rust tests.

Usage: peer.py receive CONFIG.json   reads the request named in the config, answers JSON on stdout
       peer.py send CONFIG.json      writes the built message as one JSON line, reads the signal
                                      (base64, one line) from stdin, then writes the outcome as JSON
       peer.py post CONFIG.json      posts the built message to the config's url over HTTP and
                                      writes the outcome of the answer as JSON

Key material is PEM files the Rust test made with its test PKI; nothing here is stored.
"""

import base64
import json
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from as4 import AS4LocalPrivateKey, ParticipantNotServicedError
from as4.core.exchange import AS4SendingExchange
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    PeppolAS4Profile,
    create_peppol_external_party,
    create_peppol_internal_party,
    parse_peppol_message,
    peppol_security_policy,
)


def certificate(path: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def local_party(config: dict):
    key = load_pem_private_key(Path(config["key"]).read_bytes(), password=None)
    return create_peppol_internal_party(config["party_id"], certificate(config["certificate"]), AS4LocalPrivateKey(key))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def receive(config: dict) -> dict:
    policy = peppol_security_policy(
        certificate(config["root"]), intermediates=[certificate(path) for path in config.get("intermediates", [])]
    )

    def accept(participant: str) -> None:
        if participant not in config["served"]:
            raise ParticipantNotServicedError(participant)

    exchange = parse_peppol_message(
        request_headers=json.loads(Path(config["headers"]).read_text()),
        request_body=Path(config["body"]).read_bytes(),
        local_party=local_party(config),
        accept_participant=accept,
        security_policy=policy,
    )
    signal_headers, signal = exchange.build_signal()
    message = exchange.message
    error = exchange.error
    payload = next(iter(message.decrypted_data.values()), None) if message and exchange.successful else None
    return {
        "successful": exchange.successful,
        "error_code": error.error_code if error else None,
        "error_detail": error.error_detail.value if error and error.error_detail else None,
        "message_id": exchange.message_id,
        "sender": getattr(message, "sender", None),
        "recipient": getattr(message, "recipient", None),
        "document_type": getattr(message, "document_type_identifier_value", None),
        "process": getattr(message, "process_identifier", None),
        "conversation_id": message.conversation_id if message else None,
        "sbd": b64(payload) if payload is not None else None,
        "signal_content_type": signal_headers.get("Content-Type"),
        "signal": b64(signal),
    }


def send(config: dict) -> dict:
    remote = create_peppol_external_party(config["remote_party_id"], certificate(config["remote_certificate"]))
    exchange = AS4SendingExchange(profile=PeppolAS4Profile, local_party=local_party(config), remote_party=remote)
    args = PeppolAS4MessageBuilderArgs(
        sender=config["sender"],
        recipient=config["recipient"],
        document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(config["document_type"]),
        document_identification_instance_identifier=config["instance_identifier"],
        process_identifier=config["process"],
        c1_country_id=config["country"],
    )
    headers, body = exchange.build(Path(config["payload"]).read_bytes(), args)
    if "url" in config:
        import urllib3

        response = urllib3.request("POST", config["url"], body=body, headers=headers, timeout=60)
        signal = response.data
    else:
        print(json.dumps({"headers": headers, "body": b64(body), "message_id": exchange.message_id}), flush=True)
        signal = base64.b64decode(sys.stdin.readline().strip())
    exchange.mark_sent()
    outcome = {"verified": False}
    try:
        exchange.receive_signal(signal)
        outcome["verified"] = True
    except Exception as exception:  # the test asserts on the text
        outcome["failure"] = f"{type(exception).__name__}: {exception}"
    error = exchange.error
    outcome["state"] = str(exchange.state)
    outcome["error_code"] = error.error_code if error else None
    outcome["error_detail"] = error.error_detail.value if error and error.error_detail else None
    return outcome


def main() -> None:
    mode, config_path = sys.argv[1], sys.argv[2]
    config = json.loads(Path(config_path).read_text())
    if mode == "post" and "url" not in config:
        raise SystemExit("post needs a url in the config")
    result = receive(config) if mode == "receive" else send(config)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
