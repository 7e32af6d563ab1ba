from chalicelib.kernel.state import dump, load
from chalicelib.kernel.task import TERMINAL, TRANSITIONS, Task, TaskMove, TaskStatus


def test_task_goes_new_inprogress_finished_with_details():
    t = Task("t", "CREATE_CLUSTER", "c")
    t = t.move(TaskMove.PROGRESS, "step one", 1)
    assert t.status == TaskStatus.INPROGRESS
    t = t.move(TaskMove.FINISH, "done", 2)
    assert t.status == TaskStatus.FINISHED and t.details == ("step one", "done")


def test_terminal_tasks_stay_terminal_but_keep_late_details():
    t = Task("t", "CREATE_CLUSTER", "c").move(TaskMove.FAIL, "boom", 1)
    t2 = t.move(TaskMove.PROGRESS, "cleanup: instances terminated", 2)
    assert t2.status == TaskStatus.FAILED and t2.details[-1].startswith("cleanup")


def test_no_transition_leaves_a_terminal_status():
    assert all(s not in TERMINAL for (s, _m) in TRANSITIONS)


def test_round_trip():
    t = Task("t", "REMOVE_CLUSTER", "c", details=("a",), created_at=1, updated_at=2)
    assert load(Task, dump(t)) == t
