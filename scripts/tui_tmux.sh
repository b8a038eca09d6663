#!/usr/bin/env bash
# Run the real `workbench tui` in a real terminal (tmux), type a query, print the pane.
#
#   scripts/tui_tmux.sh DB "QUERY" [EXPECTED_TEXT] [TIMEOUT_S]
#
# Waits for the index to open (the status bar counts its libraries), types the query
# key by key, waits until EXPECTED_TEXT (default: the results' header) is on screen, prints
# the captured pane and quits the app. Exit 1 if the text never shows. Uses a private tmux
# server (-L), so it never touches the user's sessions. WORKBENCH_BIN overrides the command.
set -euo pipefail
db=$1
query=$2
expected=${3:-"path"}
limit=${4:-60}
bin=${WORKBENCH_BIN:-workbench}
socket="wbtui-$$"
session="tui"

tmux_() { tmux -L "$socket" "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; }
trap cleanup EXIT

wait_for() {  # wait_for TEXT: poll the pane until it shows TEXT
    local deadline=$((SECONDS + limit))
    until tmux_ capture-pane -p -t "$session" | grep -qF -- "$1"; do
        if ((SECONDS > deadline)); then
            echo "timed out after ${limit}s waiting for: $1" >&2
            tmux_ capture-pane -p -t "$session" >&2
            return 1
        fi
        sleep 0.2
    done
}

tmux_ new-session -d -s "$session" -x 120 -y 36 \
    "env TERM=xterm-256color HF_HUB_OFFLINE=1 $bin tui --db '$db'; sleep 2"
wait_for "libraries ·"
tmux_ send-keys -t "$session" -l -- "$query"
wait_for "$expected"
sleep 0.5  # let the detail pane fill in
tmux_ capture-pane -p -t "$session"
tmux_ send-keys -t "$session" C-q
