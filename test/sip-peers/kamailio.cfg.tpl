#!KAMAILIO
# Plays Meta's SIP edge for acceptance: TLS listener, 407 digest challenge (realm wa.meta.vc),
# Meta's rejection texts by request user, forwards the rest to a sipp UAS, HEPv3 copies to a collector.
debug=1
log_stderror=yes
fork=yes
children=2
tcp_children=2
enable_tls=yes
auto_aliases=no
listen=tls:127.0.0.1:@TLS_PORT@
listen=udp:127.0.0.1:@UDP_PORT@
alias="wa.meta.vc"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "sanity.so"
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
	if (is_method("REGISTER")) { sl_send_reply("403", "Forbidden"); exit; }
	if (is_method("INVITE")) {
		if ($rd =~ "^[0-9.]+$") { sl_send_reply("404", "Not found"); exit; }
		$avp(pw) = "acceptance-sip-password";
		if (!pv_proxy_authenticate("wa.meta.vc", "$avp(pw)", "0")) {
			xlog("L_NOTICE", "auth rc=$rc for $ci\n");
			proxy_challenge("wa.meta.vc", "1");
			exit;
		}
		consume_credentials();
		if ($rU =~ "5550000403$") {
			append_to_reply("Warning: 399 wa.meta.vc \"No Approved Call Permission Found: No approved call permission from the recipient\"\r\n");
			sl_send_reply("403", "No Approved Call Permission Found: No approved call permission from the recipient");
			exit;
		}
		if ($rU =~ "5550002403$") {
			append_to_reply("Warning: 399 wa.meta.vc \"Business Initiated Connected Call Per Day Limit Hit\"\r\n");
			sl_send_reply("403", "Business Initiated Connected Call Per Day Limit Hit");
			exit;
		}
		if ($rU =~ "5550000400$") { sl_send_reply("400", "Asset not found, invalid business phone number"); exit; }
		if ($rU =~ "5550000408$") { sl_send_reply("408", "RTP Timeout"); exit; }
		if ($rU =~ "5550000480$") { sl_send_reply("480", "Temporarily Unavailable"); exit; }
		if ($rU =~ "5550000486$") { sl_send_reply("486", "User declined the call"); exit; }
		if ($rU =~ "5550000503$") { sl_send_reply("503", "Service Unavailable"); exit; }
		record_route();
		$du = "sip:127.0.0.1:@SIPP_PORT@;transport=udp";
		t_relay();
		exit;
	}
	if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
	sl_send_reply("405", "Method Not Allowed");
}
