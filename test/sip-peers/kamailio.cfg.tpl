#!KAMAILIO
# Plays Meta's SIP edge (wa.meta.vc) for tests. Adapted from shared/reference/sip/kamailio.cfg.tpl.
#  - business -> Meta (TLS listener): 407 digest challenge (realm wa.meta.vc), Meta's rejection texts chosen
#    by the request user (generated from META_REJECTIONS in kamailio.ts), 404 for an IP in the request URI,
#    every other INVITE record-routed to the sipp UAS over UDP.
#  - Meta -> business (initial requests arriving on the UDP listener, from a sipp UAC): record-routed to the
#    request URI as given (e.g. sip:+1555...@127.0.0.1:PORT;transport=tls), unchallenged.
#  - siptrace: HEPv3 copies of every transaction to the HEP port when tracing is on.
# Placeholders (see kamailio.ts): DIR TLS_PORT UDP_PORT SIPP_PORT HEP_PORT TRACE_ON MPATH SIP_PASSWORD REJECTIONS, each between at-signs.
debug=1
log_stderror=yes
fork=yes
children=2
tcp_children=2
enable_tls=yes
auto_aliases=no
dns=no
rev_dns=no
listen=tls:127.0.0.1:@TLS_PORT@
listen=udp:127.0.0.1:@UDP_PORT@
alias="wa.meta.vc"
server_header="User-Agent: Facebook SipGateway"
user_agent_header="User-Agent: Facebook SipGateway"
@MPATH@
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "tls.so"
loadmodule "siptrace.so"
modparam("tls", "config", "@DIR@/tls.cfg")
modparam("auth", "secret", "acceptance-nonce-secret")
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:@HEP_PORT@")
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "hep_capture_id", 2001)
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "trace_on", @TRACE_ON@)
modparam("siptrace", "trace_mode", 0)

request_route {
	if (@TRACE_ON@ == 1) { sip_trace_mode("t"); }
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (has_totag()) {
		if (loose_route()) { t_relay(); exit; }
		if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
		sl_send_reply("404", "Not here"); exit;
	}
	if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
	if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
	if (proto == UDP) {
		# Meta's inside (a sipp UAC) calling the business: relay to the request URI.
		record_route();
		t_relay();
		exit;
	}
	if (is_method("REGISTER")) { sl_send_reply("403", "Forbidden"); exit; }
	if (is_method("INVITE")) {
		if ($rd =~ "^[0-9.]+$") { sl_send_reply("404", "Not found"); exit; }
		$avp(pw) = "@SIP_PASSWORD@";
		if (!pv_proxy_authenticate("wa.meta.vc", "$avp(pw)", "0")) {
			xlog("L_NOTICE", "auth rc=$rc for $ci\n");
			proxy_challenge("wa.meta.vc", "1");
			exit;
		}
		consume_credentials();
@REJECTIONS@
		record_route();
		$du = "sip:127.0.0.1:@SIPP_PORT@;transport=udp";
		t_relay();
		exit;
	}
	if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
	sl_send_reply("405", "Method Not Allowed");
}
