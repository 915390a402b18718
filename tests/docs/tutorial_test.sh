#!/usr/bin/env bash
# Runs docs/tutorial.md, so that the tutorial cannot rot.
#
# usage: bash tests/docs/tutorial_test.sh YISHI ROOT
#   YISHI  the yishi binary to run wherever the tutorial says `yishi`
#   ROOT   the repository root (the tutorial is ROOT/docs/tutorial.md)
#
# The tutorial is read from top to bottom and acted on in document order, in a temporary
# directory that stands for the repository root (it holds a copy of ROOT/bundles/calendars):
#
#   <!-- file: PATH -->   the fenced block that follows is written to PATH (a relative path),
#                         replacing any earlier version of the file;
#   ```sh ... ```         each line is a command, run with `yishi` meaning YISHI; blank lines
#                         and lines starting with `#` are skipped. A command must exit 0,
#                         unless its line ends with the comment `# exits N`: then it must
#                         exit with N;
#   <!-- expect: TEXT --> TEXT must occur (grep -F) in the combined standard output and
#                         standard error of the last command run before it.
#
# Prints `ok: ...` for each command, file and expectation, and stops at the first mismatch
# with the command and its output. Exit codes: 0 all held, 1 a mismatch, 2 usage error.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 YISHI ROOT" >&2
  exit 2
fi
if [ ! -x "$1" ] || [ ! -d "$2" ]; then
  echo "$0: $1 is not an executable or $2 is not a directory" >&2
  exit 2
fi
YISHI=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd)
doc="$ROOT/docs/tutorial.md"
if [ ! -f "$doc" ]; then
  echo "$0: no $doc" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work="$tmp/root"
mkdir -p "$work/bundles"
cp -R "$ROOT/bundles/calendars" "$work/bundles/calendars"
out="$tmp/output"

# `yishi` in the tutorial's commands is the binary under test. Functions are inherited by the
# subshells the commands run in, and take precedence over PATH.
# shellcheck disable=SC2317  # called from the eval'd commands
yishi() { "$YISHI" "$@"; }

fail() {  # fail LINE MESSAGE [show-output]
  echo "FAIL: docs/tutorial.md:$1: $2"
  if [ "${3:-}" = show-output ]; then
    echo "--- command: $last_cmd"
    echo "--- output:"
    cat "$out"
    echo "---"
  fi
  exit 1
}

state='text'     # text | sh | file | other
pending_file=""  # the path named by a `<!-- file: -->` line, waiting for its block
file_path=""     # the file being written (state file)
last_cmd=""      # the last command run
commands=0 files=0 expects=0
n=0
# The patterns are kept in variables: in [[ =~ ]] they are then plain extended regexes.
fence='^```'
sh_fence='^```sh[[:space:]]*$'
file_mark='^<!--[[:space:]]*file:[[:space:]]*(.*[^[:space:]])[[:space:]]*-->$'
expect_mark='^<!--[[:space:]]*expect:[[:space:]](.*[^[:space:]])[[:space:]]*-->$'
exits_mark='#[[:space:]]*exits[[:space:]]+([0-9]+)[[:space:]]*$'
blank_or_comment='^[[:space:]]*(#.*)?$'

while IFS= read -r line <&3 || [ -n "$line" ]; do
  n=$((n + 1))
  line=${line%$'\r'}
  case $state in
  sh)
    if [[ $line =~ $fence ]]; then state='text'; continue; fi
    # Skip blank lines and comment lines.
    [[ $line =~ $blank_or_comment ]] && continue
    want=0
    if [[ $line =~ $exits_mark ]]; then
      want=${BASH_REMATCH[1]}
    fi
    last_cmd=$line
    (cd "$work" && eval "$line") </dev/null >"$out" 2>&1
    got=$?
    commands=$((commands + 1))
    if [ "$got" -ne "$want" ]; then
      fail "$n" "exit code $got, expected $want" show-output
    fi
    echo "ok: $line  (exit $got)"
    ;;
  file)
    if [[ $line =~ $fence ]]; then
      state='text'
      files=$((files + 1))
      echo "ok: wrote $file_path"
      continue
    fi
    printf '%s\n' "$line" >>"$work/$file_path"
    ;;
  other)
    if [[ $line =~ $fence ]]; then state='text'; fi
    ;;
  text)
    if [[ $line =~ $file_mark ]]; then
      pending_file=${BASH_REMATCH[1]}
      case $pending_file in
      /* | ../* | */../* | *..) fail "$n" "file path must be relative and stay inside: $pending_file" ;;
      esac
    elif [[ $line =~ $expect_mark ]]; then
      text=${BASH_REMATCH[1]}
      [ -n "$last_cmd" ] || fail "$n" "an expect line before any command"
      expects=$((expects + 1))
      if ! grep -qF -- "$text" "$out"; then
        fail "$n" "the output lacks: $text" show-output
      fi
      echo "ok:   output has: $text"
    elif [[ $line =~ $sh_fence ]]; then
      [ -z "$pending_file" ] || fail "$n" "a file block must not be a sh block ($pending_file)"
      state='sh'
    elif [[ $line =~ $fence ]]; then
      if [ -n "$pending_file" ]; then
        file_path=$pending_file
        pending_file=""
        mkdir -p "$work/$(dirname "$file_path")"
        : >"$work/$file_path"
        state='file'
      else
        state='other'
      fi
    elif [ -n "$pending_file" ] && [[ $line =~ [^[:space:]] ]]; then
      fail "$n" "<!-- file: $pending_file --> is not followed by a fenced block"
    fi
    ;;
  esac
done 3<"$doc"

[ "$state" = text ] || fail "$n" "a fenced block is not closed at the end of the file"
[ -z "$pending_file" ] || fail "$n" "<!-- file: $pending_file --> has no block"
# Guard against a tutorial whose markers no longer parse: it would otherwise pass vacuously.
if [ "$commands" -lt 10 ] || [ "$files" -lt 2 ] || [ "$expects" -lt 10 ]; then
  fail "$n" "too little was run ($commands commands, $files files, $expects expectations)"
fi
echo "ok: docs/tutorial.md: $commands commands, $files files, $expects expectations"
exit 0
