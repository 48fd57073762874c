/// Six realistic messages of about 600 bytes each, the shapes a registering, calling agent sees most.
enum Corpus {
    static let messages: [(name: String, text: String)] = [
        ("REGISTER+Authorization", register),
        ("401+WWW-Authenticate", unauthorized),
        ("200 REGISTER, 2 Contacts", registerOK),
        ("INVITE+SDP", invite),
        ("180, 2 Record-Routes", ringing),
        ("BYE+Route set", bye),
    ]

    static let register = """
        REGISTER sip:site-a.example.net SIP/2.0\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.7f3a9c2e1b;rport\r
        Max-Forwards: 70\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=8a2f61c0\r
        To: "Agent 7001" <sip:7001@site-a.example.net>\r
        Call-ID: 4f9c2b7e-1d3a-4c8e-9b6f-2a7d5e3c1f08@192.0.2.10\r
        CSeq: 2 REGISTER\r
        Contact: <sip:7001@192.0.2.10:5060;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00a0c91e6bf6>";expires=3600\r
        Authorization: Digest username="7001", realm="site-a.example.net", nonce="5f1c3a9e7b2d4c6f8a0e1b3d5c7e9f1a", uri="sip:site-a.example.net", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001\r
        Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY\r
        Supported: outbound, path\r
        User-Agent: SipEndpoint/0.1\r
        Content-Length: 0\r
        \r

        """

    static let unauthorized = """
        SIP/2.0 401 Unauthorized\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.7f3a9c2e1a;rport=5060;received=192.0.2.10\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=8a2f61c0\r
        To: "Agent 7001" <sip:7001@site-a.example.net>;tag=b27e1a3c9d5f\r
        Call-ID: 4f9c2b7e-1d3a-4c8e-9b6f-2a7d5e3c1f08@192.0.2.10\r
        CSeq: 1 REGISTER\r
        WWW-Authenticate: Digest realm="site-a.example.net", nonce="5f1c3a9e7b2d4c6f8a0e1b3d5c7e9f1a", opaque="1a2b3c4d5e6f", algorithm=MD5, qop="auth"\r
        WWW-Authenticate: Digest realm="site-a.example.net", nonce="9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b", algorithm=SHA-256, qop="auth"\r
        Server: kamailio (5.6.3 (x86_64/linux))\r
        Content-Length: 0\r
        \r

        """

    static let registerOK = """
        SIP/2.0 200 OK\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.7f3a9c2e1b;rport=5060;received=192.0.2.10\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=8a2f61c0\r
        To: "Agent 7001" <sip:7001@site-a.example.net>;tag=b27e1a3c9d5f\r
        Call-ID: 4f9c2b7e-1d3a-4c8e-9b6f-2a7d5e3c1f08@192.0.2.10\r
        CSeq: 2 REGISTER\r
        Contact: <sip:7001@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00a0c91e6bf6>"\r
        Contact: <sip:7001@198.51.100.7:5062;transport=tcp;ob>;expires=1800;reg-id=1\r
        Date: Sat, 21 Nov 2026 18:00:00 GMT\r
        Server: kamailio (5.6.3 (x86_64/linux))\r
        Content-Length: 0\r
        \r

        """

    static let invite = """
        INVITE sip:9000@site-a.example.net SIP/2.0\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.c3d9e1f7a2;rport\r
        Max-Forwards: 70\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=3c91f0d2\r
        To: <sip:9000@site-a.example.net>\r
        Call-ID: 7b1e9d3f-5a2c-4e8b-a6d0-c4f2b8e1a3d7@192.0.2.10\r
        CSeq: 1 INVITE\r
        Contact: <sip:7001@192.0.2.10:5060;transport=udp>\r
        Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY\r
        Supported: replaces, timer\r
        Content-Type: application/sdp\r
        Content-Length: 226\r
        \r
        v=0\r
        o=- 3977411200 3977411200 IN IP4 192.0.2.10\r
        s=SipEndpoint\r
        c=IN IP4 192.0.2.10\r
        t=0 0\r
        m=audio 40000 RTP/AVP 0 8 101\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:8 PCMA/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-16\r
        a=ptime:20\r
        a=sendrecv\r

        """

    static let ringing = """
        SIP/2.0 180 Ringing\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.c3d9e1f7a2;rport=5060;received=192.0.2.10\r
        Record-Route: <sip:198.51.100.20;lr;ftag=3c91f0d2;did=4a1.b2c3d4e1>\r
        Record-Route: <sip:198.51.100.10;transport=tcp;lr;ftag=3c91f0d2;did=4a1.b2c3d4e2>\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=3c91f0d2\r
        To: <sip:9000@site-a.example.net>;tag=as5e7d9c1f\r
        Call-ID: 7b1e9d3f-5a2c-4e8b-a6d0-c4f2b8e1a3d7@192.0.2.10\r
        CSeq: 1 INVITE\r
        Contact: <sip:9000@203.0.113.44:5070;transport=udp>\r
        Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r
        Server: SIPp UAS\r
        Content-Length: 0\r
        \r

        """

    static let bye = """
        BYE sip:9000@203.0.113.44:5070;transport=udp SIP/2.0\r
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK.e5f1a3b7c9;rport\r
        Max-Forwards: 70\r
        Route: <sip:198.51.100.10;transport=tcp;lr;ftag=3c91f0d2;did=4a1.b2c3d4e2>\r
        Route: <sip:198.51.100.20;lr;ftag=3c91f0d2;did=4a1.b2c3d4e1>\r
        From: "Agent 7001" <sip:7001@site-a.example.net>;tag=3c91f0d2\r
        To: <sip:9000@site-a.example.net>;tag=as5e7d9c1f\r
        Call-ID: 7b1e9d3f-5a2c-4e8b-a6d0-c4f2b8e1a3d7@192.0.2.10\r
        CSeq: 2 BYE\r
        Reason: SIP;cause=200;text="Call completed elsewhere"\r
        User-Agent: SipEndpoint/0.1\r
        Content-Length: 0\r
        \r

        """
}
