#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run sipcancel-parse over the RFC 4475 corpus: exit codes, one valid JSON object
per file, and the verdict/response EXPECTED.tsv asks for."""
import json
import os
import subprocess
import sys
import tempfile

tool, data = sys.argv[1], sys.argv[2]
corpus = os.path.join(data, 'rfc4475')

# file -> (verdict, response); the handling column of EXPECTED.tsv, made exact.
want = {
    'wsinv.dat': ('ok', 0), 'intmeth.dat': ('ok', 0), 'esc01.dat': ('ok', 0),
    'escnull.dat': ('ok', 0), 'lwsdisp.dat': ('ok', 0), 'longreq.dat': ('ok', 0),
    'dblreq.dat': ('ok', 0), 'mpart01.dat': ('ok', 0), 'unreason.dat': ('ok', 0),
    'badinv01.dat': ('reject', 400), 'clerr.dat': ('reject', 400),
    'ncl.dat': ('reject', 400), 'scalar02.dat': ('reject', 400),
    'quotbal.dat': ('reject', 400), 'ltgtruri.dat': ('reject', 400),
    'lwsruri.dat': ('reject', 400), 'badvers.dat': ('reject', 505),
    'mismatch01.dat': ('reject', 400), 'bigcode.dat': ('reject', 0),
    'badbranch.dat': ('ok', 0), 'insuf.dat': ('reject', 400), 'inv2543.dat': ('ok', 0),
    'multi01.dat': ('reject', 400), 'mcl01.dat': ('reject', 400), 'zeromf.dat': ('ok', 0),
    'bext01.dat': ('ok', 0),
}
fields = ['file', 'verdict', 'reason', 'response', 'kind', 'method', 'status', 'call_id',
          'cseq', 'cseq_method', 'via_count', 'branch', 'sent_by', 'from_tag', 'to_tag',
          'max_forwards', 'content_length', 'body_length']
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([tool, *args], capture_output=True, timeout=60)


with open(os.path.join(corpus, 'EXPECTED.tsv')) as f:
    listed = [line.split('\t')[0] for line in f.read().splitlines()[1:] if line]
check(sorted(listed) == sorted(want), 'EXPECTED.tsv and this script list the same files')

files = [os.path.join(corpus, n) for n in sorted(want)]
r = run('--json', *files)
check(r.returncode == 1, f'corpus exit code {r.returncode}, want 1')
lines = r.stdout.decode('utf-8').splitlines()
check(len(lines) == len(files), f'{len(lines)} lines for {len(files)} files')
for line in lines:
    obj = json.loads(line)
    name = os.path.basename(obj['file'])
    for k in fields:
        check(k in obj, f'{name}: field {k} missing')
    v, code = want[name]
    check(obj['verdict'] == v, f'{name}: verdict {obj["verdict"]}, want {v}')
    check(obj['response'] == code, f'{name}: response {obj["response"]}, want {code}')
    if name == 'zeromf.dat':
        check(obj['max_forwards'] == 0, 'zeromf max_forwards')
    if name == 'inv2543.dat':
        check(obj['branch'] is None and obj['content_length'] is None, 'inv2543 nulls')
    if name == 'longreq.dat':
        check(obj['via_count'] == 34, 'longreq via_count')
    if name == 'bigcode.dat':
        check(obj['kind'] == 'response' and obj['status'] is None, 'bigcode status')

ok_files = [f for f in files if want[os.path.basename(f)][0] == 'ok']
r = run('--json', *ok_files)
check(r.returncode == 0, f'all-ok exit code {r.returncode}, want 0')
r = run(*ok_files)
check(r.returncode == 0 and len(r.stdout.splitlines()) == len(ok_files), 'text mode')
check(run().returncode == 2, 'no arguments: exit 2')
check(run('--bogus', files[0]).returncode == 2, 'unknown option: exit 2')
check(run('--json', os.path.join(corpus, 'no-such-file')).returncode == 2, 'missing file: 2')
r = run('--help')
check(r.returncode == 0 and b'usage' in r.stdout, '--help')

# Octets that are not UTF-8, and control octets, still give valid JSON.
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, 'bin.sip')
    with open(p, 'wb') as f:
        f.write(b'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK\xff\xfe\r\n'
                b'From: <sip:a@b>;tag=\xc3\x28\r\nTo: <sip:a@b>\r\n'
                b'Call-ID: x\x01\x7f\xed\xa0\x80"\\@y\r\nCSeq: 1 OPTIONS\r\n\r\n')
    r = run('--json', p)
    obj = json.loads(r.stdout.decode('ascii'))
    check(obj['verdict'] == 'reject', 'binary message rejected')
    check(obj['call_id'] == 'x\x01\x7f\xed\xa0\x80"\\@y', f'escaped call_id {obj["call_id"]!r}')

for f in failures:
    print('FAIL:', f)
print(f'{len(failures)} failures')
sys.exit(1 if failures else 0)
