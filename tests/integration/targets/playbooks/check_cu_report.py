"""Check the table that playbooks/cu_report.yml printed (its ansible-playbook output, argv[1])."""
import json
import sys


def table_lines(output):
    """Return the strings of the msg list printed by the task 'Show the CU consumption'."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith('TASK [Show the CU consumption]'))
    opening = next(index for index in range(start, len(lines)) if lines[index].strip() == '"msg": [')
    strings = []
    for line in lines[opening + 1:]:
        if line.strip() == ']':
            return strings
        strings.append(json.loads(line.strip().rstrip(',')))
    raise AssertionError('the msg list does not end')


def main():
    """Compare the table with the systems of this run (argv[2]: run id)."""
    with open(sys.argv[1], encoding='utf-8') as output_file:
        table = table_lines(output_file.read())
    run_id = sys.argv[2]
    header = table[0]
    rows = {line.split()[0]: line for line in table[1:] if line.startswith('playbooks-')}
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    check(header.split('  ')[0].strip() == 'SYSTEM', 'header: %r' % header)
    expected = {'alpha': ('started', '2'), 'beta': ('started', '2'), 'gamma': ('stopped', '0')}
    check(sorted(rows) == sorted('playbooks-%s-%s' % (run_id, key) for key in expected),
          'rows: %r (the other tag must be filtered out)' % sorted(rows))
    for key, (status, cu_now) in expected.items():
        row = rows.get('playbooks-%s-%s' % (run_id, key), '')
        # Aligned: every column starts where its header starts; numbers end where the header ends.
        check(row.find(status) == header.find('STATUS'), 'status column of %s: %r / %r' % (key, row, header))
        check(row.find('m5.xlarge') == header.find('INSTANCE TYPE'), 'instance type column of %s: %r' % (key, row))
        check(len(row) == len(header), 'width of %s: %r / %r' % (key, row, header))
        check(row.split()[-2:] == [cu_now, '2'], 'CU columns of %s: %r' % (key, row))
    check('total now: 4 CU/h for 3 system(s) tagged {"project": "playbooks-%s"}' % run_id in table,
          'total line missing: %r' % table)
    check(any(line.startswith('CU pool: ') and ' consumed, ' in line for line in table), 'pool line missing: %r' % table)
    # Once all three run: the stopped one (gamma) adds its 2 CU/h, and the pool has 2 CU less.
    check('all of them running: 6 CU/h' in table, 'running line missing: %r' % table)
    pool = [line.split() for line in table if line.startswith('CU pool: ')]
    check(pool and pool[0][5:8] == ['available', 'now,', str(int(pool[0][4]) - 2)],
          'pool once all run: %r' % table)
    if failures:
        print('\n'.join(['check_cu_report: the table is wrong:'] + table + failures), file=sys.stderr)
        sys.exit(1)
    print('check_cu_report: %d rows, aligned' % len(rows))


if __name__ == '__main__':
    main()
