"""The reply pipeline: a responder's answer is posted publicly once, and never lost on the way.

    submission ──▶ Replies table ──(cleared to post)──▶ ReplyQueue ──▶ posting (ReplyPoster)
                                                                      │ posted: confirmation
                                                                      │   (+10 points, the
                                                                      │   workflow told "replied")
                                                                      │ 429/5xx/timeout: retried
                                                                      └ refused, or still failing
                                                                        at the last delivery:
                                                                        failed, parked in the DLQ
    parking.retry_parked ──▶ parked tickets back onto the ReplyQueue

The reply's states are crowdcare.domain.replies.ReplyStatus; modules: submission, posting,
parking, reach, assignment_events (the seam to the assignment workflow).
"""
