#!/usr/bin/env python3
"""Differential mutation testing of `berth config` against the reference Docker Compose.

usage: N=400 SEED=1 [ARGS="--no-interpolate"] scripts/mutate_vs_reference.py

ARGS are added after `config` for both binaries (the raw model: `--no-interpolate`,
`--no-normalize`).

Takes the fixtures and the awesome-compose corpus, applies 1 to 3 random line mutations (delete,
duplicate, swap, change a character, indent) to a compose file, and runs both binaries on it.
Prints how many agree (same exit status, and same output when both succeed), then each
disagreement; the mutated projects that disagree are kept under $OUT (default /tmp/berth-mutants)
to turn into fixtures. Any exit status other than 0 or 1 from Berth is reported as a crash.
"""
import random, os, subprocess, glob, shutil, sys
random.seed(int(os.environ.get("SEED","1")))
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF=os.environ.get('BERTH_REFERENCE') or subprocess.run([sys.executable,'-c',"import compose,os;print(os.path.join(os.path.dirname(compose.__file__),'docker-compose'))"],capture_output=True,text=True).stdout.strip()
OUT=os.environ.get('OUT','/tmp/berth-mutants')
B=os.environ.get('BERTH', os.path.join(ROOT,'target','debug','berth'))
files=glob.glob(os.path.join(ROOT,'tests/fixtures/config/*/compose.yaml'))+glob.glob(os.path.join(ROOT,'../shared/corpus/awesome-compose/*/compose.y*ml'))
mismatch=[]
N=int(os.environ.get("N","300"))
ARGS=os.environ.get("ARGS","").split()
env={"PATH":os.environ["PATH"],"HOME":os.environ["HOME"]}
for n in range(N):
    src=random.choice(files)
    try:
        lines=open(src, encoding='utf-8').read().split('\n')
    except UnicodeDecodeError:
        continue  # a fixture in another encoding (utf16-compose-file): not mutated by lines
    for _ in range(random.randint(1,3)):
        op=random.choice(['del','dup','swap','char','indent'])
        if not lines: break
        i=random.randrange(len(lines))
        if op=='del': del lines[i]
        elif op=='dup': lines.insert(i, lines[i])
        elif op=='swap':
            j=random.randrange(len(lines)); lines[i],lines[j]=lines[j],lines[i]
        elif op=='char' and lines[i]:
            k=random.randrange(len(lines[i])); lines[i]=lines[i][:k]+random.choice('x:-[]{}"\'$ 01#&*!')+lines[i][k+1:]
        elif op=='indent': lines[i]='  '+lines[i]
    d=os.path.join(OUT,f'case{n}')
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    open(d+'/compose.yaml','w').write('\n'.join(lines))
    r=subprocess.run([REF,'config',*ARGS],cwd=d,capture_output=True,env=env,timeout=60)
    try:
        b=subprocess.run([B,'config',*ARGS],cwd=d,capture_output=True,env=env,timeout=60)
    except subprocess.TimeoutExpired:
        mismatch.append((d,'TIMEOUT','')); continue
    if b.returncode not in (0,1):
        mismatch.append((d,f'CRASH rc={b.returncode}',b.stderr.decode()[-300:])); continue
    if (r.returncode==0)!=(b.returncode==0) or (r.returncode==0 and r.stdout!=b.stdout):
        kind='rc' if (r.returncode==0)!=(b.returncode==0) else 'out'
        mismatch.append((d,f'{kind} ref={r.returncode} berth={b.returncode}', (r.stderr.decode()[:200] if r.returncode else b.stderr.decode()[:200])))
    else:
        shutil.rmtree(d)
print(f"{N-len(mismatch)}/{N} agree")
for m in mismatch[:40]: print(m[0], m[1], '::', m[2].replace('\n',' ')[:220])
